import type { InstanceView } from '../../shared/bridge.ts';
import { complianceAdvice } from '../../shared/instance/operator-flow.ts';
import { Notice } from '../components/Notice.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';

type Existing = Extract<InstanceView, { exists: true }>;

/** The installed reservation against usage: statuses as badges, and what to do where usage is uncovered. */
export function Compliance({ view }: { view: Existing }) {
  const s = view.status;
  const advice = complianceAdvice(s);
  const lines = s.usage.filter((l) => l.inUse > 0 || l.reserved > 0);
  return (
    <>
      {advice.length > 0 && (
        <Notice kind="warning" title={`${s.authorization}: usage is above the reservation.`}>
          {advice.map((a) => (
            <p key={a}>{a}</p>
          ))}
        </Notice>
      )}
      <table>
        <caption>Licenses: in use and reserved</caption>
        <thead>
          <tr>
            <th scope="col">License</th>
            <th scope="col">In use</th>
            <th scope="col">Reserved</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.tag}>
              <th scope="row">{l.displayName}</th>
              <td className="num">{l.inUse}</td>
              <td className="num">{l.reserved}</td>
              <td>
                <StatusBadge status={l.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

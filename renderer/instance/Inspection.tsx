/**
 * What an authorization code holds, shown before it is installed: its facts, what it would do license by
 * license (in use now, reserved now, reserved by this code, the status after) with a plain warning when it
 * leaves usage uncovered, its entitlements, and whatever would stop the install.
 */
import type { ReactNode } from 'react';
import type { CodeInspection } from '../../shared/bridge.ts';
import { Notice } from '../components/Notice.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatWhen } from '../components/format.ts';

function Facts({ i }: { i: CodeInspection }) {
  const facts: [string, string][] = [
    ['Reservation', i.piid],
    ['Issued', formatWhen(i.issuedAt)],
    ['For device', `${i.udi} ${i.udiMatches ? '(this device)' : '(NOT this device)'}`],
    ['Signed by', i.signer ? `${i.signer.label} (key ${i.signer.id})` : 'no key this device trusts'],
    ['Kind', i.isUpdate ? 'Update of the installed reservation (yields a confirmation code)' : 'First reservation'],
  ];
  return (
    <dl className="facts">
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function ImpactTable({ impact }: { impact: CodeInspection['impact'] }) {
  return (
    <table className="impact">
      <caption>
        If installed: {impact.authorizationNow} → {impact.authorizationAfter}
      </caption>
      <thead>
        <tr>
          <th scope="col">License</th>
          <th scope="col" className="num">
            In use now
          </th>
          <th scope="col" className="num">
            Reserved now
          </th>
          <th scope="col" className="num">
            By this code
          </th>
          <th scope="col">Status after</th>
        </tr>
      </thead>
      <tbody>
        {impact.lines.map((l) => (
          <tr key={l.tag} data-impact={l.tag} className={l.statusAfter === 'Not Authorized' ? 'row-warning' : undefined}>
            <td>{l.displayName}</td>
            <td className="num">{l.inUse}</td>
            <td className="num">{l.reservedNow}</td>
            <td className="num">{l.reservedByCode}</td>
            <td>
              <StatusBadge status={l.statusAfter} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Entitlements({ i }: { i: CodeInspection }) {
  return (
    <table>
      <caption>Entitlements</caption>
      <thead>
        <tr>
          <th scope="col">License</th>
          <th scope="col" className="num">
            Count
          </th>
          <th scope="col">Type</th>
          <th scope="col">Start</th>
          <th scope="col">End</th>
        </tr>
      </thead>
      <tbody>
        {i.entitlements.map((e) => (
          <tr key={`${e.tag}|${e.startDate}|${e.endDate}`}>
            <td>{e.displayName}</td>
            <td className="num">{e.count}</td>
            <td>{e.licenseType}</td>
            <td>{e.startDate || '-'}</td>
            <td>{e.endDate || '-'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A refusal as the operator reads it: the reason in bold, then what to do (the lines after the first). */
function Problems({ problems }: { problems: readonly string[] }) {
  return (
    <Notice kind="error" title="This code cannot be installed">
      <ul className="problems">
        {problems.map((p) => {
          const [reason, ...remedy] = p.split('\n');
          return (
            <li key={p}>
              <span className="reason">{reason}</span>
              {remedy.length > 0 && <span className="remedy"> {remedy.join(' ')}</span>}
            </li>
          );
        })}
      </ul>
    </Notice>
  );
}

/**
 * Reasons first: a code that cannot be installed says why at the top and shows what it holds, never what it
 * "would" change; an installable one shows the change license by license, with any loss of compliance above it.
 */
export function Inspection({ inspection: i, children }: { inspection: CodeInspection; children: ReactNode }) {
  const installable = i.problems.length === 0;
  return (
    <section className="inspection" aria-labelledby="inspection-title">
      <h4 id="inspection-title">What this authorization code contains</h4>
      {!installable && <Problems problems={i.problems} />}
      <Facts i={i} />
      {installable && i.impact.warnings.length > 0 && (
        <Notice kind="warning" title="Installing this code takes the device out of compliance">
          <ul>
            {i.impact.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </Notice>
      )}
      {installable && <ImpactTable impact={i.impact} />}
      <Entitlements i={i} />
      {children}
    </section>
  );
}

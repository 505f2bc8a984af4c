/**
 * Unified CM's SIP trunks in the product instance's Settings (`slr sip-trunk add|remove`, `show sip-trunks`): a
 * secure one is offered only while export-controlled functionality is allowed (never in the evaluation
 * period, as the seeds say); one left when that allowance ended is marked, with the alarm's way out: remove it.
 */
import { HeaderRow } from '../components/HeaderRow.tsx';
import { useState } from 'react';
import type { InstanceView } from '../../shared/bridge.ts';
import type { SipTrunk } from '../../shared/instance/state.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { formatWhen } from '../components/format.ts';

type Existing = Extract<InstanceView, { exists: true }>;

export function SipTrunks({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [secure, setSecure] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const act = useAction();
  if (view.sipTrunks === null) return null;
  const s = view.security;
  const run = (input: { op: 'add'; name: string; secure: boolean } | { op: 'remove'; name: string }) =>
    void act.run(async () => {
      setDone((await call('instanceSipTrunk', input)).message);
      if (input.op === 'add') setName('');
      await refresh();
    });
  return (
    <section aria-labelledby="trunks-title" data-testid="sip-trunks">
      <h3 id="trunks-title">SIP trunks</h3>
      {view.sipTrunks.length === 0 ? (
        <p>No SIP trunks.</p>
      ) : (
        <TrunkTable trunks={view.sipTrunks} allowed={s.allowed} busy={act.busy} remove={(name) => run({ op: 'remove', name })} />
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run({ op: 'add', name: name.trim(), secure });
        }}
      >
        <label htmlFor="trunk-name">New trunk’s name</label>
        <input id="trunk-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
        <label className="choice">
          <input type="checkbox" checked={secure} onChange={(e) => setSecure(e.target.checked)} disabled={!s.allowed} aria-describedby="trunk-secure-help" />{' '}
          Secure (TLS)
        </label>
        <p id="trunk-secure-help" className="help">
          {s.allowed
            ? 'A secure SIP trunk needs export-controlled functionality, which is allowed.'
            : `A secure SIP trunk needs export-controlled functionality, which is not allowed: ${s.reason}.`}
        </p>
        <div className="actions">
          <button type="submit" disabled={act.busy || !name.trim()}>
            Add SIP trunk
          </button>
        </div>
      </form>
      {done && <Notice kind="success">{done}</Notice>}
      <ErrorNotice error={act.error} />
    </section>
  );
}

function TrunkTable(p: { trunks: readonly SipTrunk[]; allowed: boolean; busy: boolean; remove: (name: string) => void }) {
  return (
    <table>
      <caption>SIP trunks</caption>
      <HeaderRow names={['Name', 'Secure', 'Added']} actions />
      <tbody>
        {p.trunks.map((t) => (
          <tr key={t.name}>
            <th scope="row">{t.name}</th>
            <td>{t.secure ? (p.allowed ? 'yes' : 'yes — NOT ALLOWED now: remove it') : 'no'}</td>
            <td>{formatWhen(t.addedAt)}</td>
            <td>
              <button type="button" disabled={p.busy} onClick={() => p.remove(t.name)} aria-label={`Remove ${t.name}`}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

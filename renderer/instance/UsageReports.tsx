/**
 * A reserved device's offline usage reports (issue 30; the same commands as `license smart usage report` and
 * `license smart usage acknowledge`): make a report signed with the device key to carry to License Central,
 * and import the acknowledgement it answers with. Shown once a reservation is installed.
 */
import { useState } from 'react';
import type { CommandResult, InstanceView } from '../../shared/bridge.ts';
import { describeUsageReports } from '../../shared/instance/status-text.ts';
import { call } from '../bridge.ts';
import { CodeBox } from '../components/CodeBox.tsx';
import { CodeInput } from '../components/CodeInput.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { useDraft } from '../components/useDraft.ts';

type Existing = Extract<InstanceView, { exists: true }>;

export function UsageReports({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const make = useAction();
  const take = useAction();
  const [report, setReport] = useState<CommandResult['issued']>(null);
  const [ack, setAck] = useDraft('instance.usage-ack', '');
  const [message, setMessage] = useState<string | null>(null);
  if (!view.availability['usage-report'].allowed && !view.usageReports) return null;
  const lines = describeUsageReports(view.usageReports);
  return (
    <section className="card" aria-labelledby="usage-reports-title">
      <h3 id="usage-reports-title">Usage reports to License Central</h3>
      <p className="help">
        A reserved device tells License Central what it uses with a signed report, carried like a code; License Central answers with an acknowledgement to
        import here.
      </p>
      <ul className="plain" aria-label="Usage reports">
        {(lines.length ? lines : ['Usage Report: none made yet']).map((l) => (
          <li key={l}>{l.replace(/^Usage Report: /, '')}</li>
        ))}
      </ul>
      <div className="actions">
        <button
          type="button"
          disabled={make.busy || !view.availability['usage-report'].allowed}
          onClick={() =>
            void make.run(async () => {
              setReport((await call('instanceCommand', { type: 'usage-report' })).issued);
              await refresh();
            })
          }
        >
          Make usage report
        </button>
      </div>
      <ErrorNotice error={make.error} />
      {report && <CodeBox kind="usage-report" code={report.code} sn={view.status.sn} udi={view.status.udi} caption="Carry this report to License Central" />}
      <h4>Acknowledgement from License Central</h4>
      <CodeInput kind="usage-ack" value={ack} onChange={setAck} error={take.error} rows={3} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={take.busy || !ack.trim()}
          onClick={() =>
            void take.run(async () => {
              setMessage((await call('instanceCommand', { type: 'usage-acknowledge', ack })).message);
              setAck('');
              setReport(null);
              await refresh();
            })
          }
        >
          Import acknowledgement
        </button>
      </div>
      {message && <Notice kind="success">{message}</Notice>}
    </section>
  );
}

/**
 * License Central's Usage Reports tab (issue 30; the same ledger operations as `slr authority usage import`
 * and `show usage-reports`): a reserved device's offline usage report in, its signed acknowledgement out to
 * carry back; every reserved instance's last report, flagged when it used more than it holds or has gone
 * silent for longer than the policy.
 */
import { useCallback, useEffect, useState } from 'react';
import type { BridgeResults } from '../../shared/bridge.ts';
import type { UsageReportLine } from '../../shared/authority/views.ts';
import { usageWords } from '../../shared/instance/status-text.ts';
import { call } from '../bridge.ts';
import { CodeBox } from '../components/CodeBox.tsx';
import { CodeInput } from '../components/CodeInput.tsx';
import { HeaderRow } from '../components/HeaderRow.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { useDraft } from '../components/useDraft.ts';
import { formatWhen } from '../components/format.ts';
import type { Ready, Refresh } from './types.ts';

const FLAGS = { 'over-reserved': 'Over reserved', silent: 'Silent' } as const;

export function UsageReportsPanel({ refresh }: { view: Ready; refresh: Refresh }) {
  const list = useAction();
  const [reports, setReports] = useState<BridgeResults['authorityUsageReports'] | null>(null);
  const load = useCallback(() => list.run(async () => setReports(await call('authorityUsageReports'))), [list.run]);
  useEffect(() => void load(), [load]);
  return (
    <>
      <ImportReport
        imported={async () => {
          await load();
          await refresh();
        }}
      />
      <section aria-labelledby="usage-list-title">
        <h3 id="usage-list-title">Last report of each reserved product instance</h3>
        {reports && <ReportTable lines={reports.lines} />}
        <ErrorNotice error={list.error} />
        {reports && <SilencePolicy days={reports.silentAfterDays} changed={load} />}
      </section>
    </>
  );
}

/** Paste or open a device's report; import it; hand back the acknowledgement. */
function ImportReport({ imported }: { imported: () => Promise<void> }) {
  const act = useAction();
  const [report, setReport] = useDraft('authority.usage-report', '');
  const [done, setDone] = useState<BridgeResults['authorityUsageImport'] | null>(null);
  const submit = () =>
    act.run(async () => {
      const r = await call('authorityUsageImport', report);
      setDone(r);
      setReport('');
      await imported();
    });
  return (
    <section aria-labelledby="usage-import-title">
      <h3 id="usage-import-title">Import a usage report</h3>
      <p className="help">
        A reserved device writes it with <code>license smart usage report</code>. It is checked with the device’s key and counted once; the acknowledgement goes
        back to the device (<code>license smart usage acknowledge</code>).
      </p>
      <CodeInput kind="usage-report" value={report} onChange={setReport} error={act.error} rows={3} />
      <div className="actions">
        <button type="button" className="primary" disabled={act.busy || !report.trim()} onClick={() => void submit()}>
          Import report
        </button>
      </div>
      {done && (
        <>
          <Notice
            kind={done.replayed ? 'info' : 'success'}
            title={done.replayed ? 'Already imported: nothing counted twice' : `Usage report #${done.seq} imported`}
          >
            <p>{done.message}</p>
            {done.warnings.map((w) => (
              <p key={w}>Warning: {w}</p>
            ))}
          </Notice>
          <CodeBox kind="usage-ack" code={done.ack} sn={done.sn} udi={done.udi} caption="Carry this acknowledgement back to the device" />
        </>
      )}
    </section>
  );
}

function ReportTable({ lines }: { lines: readonly UsageReportLine[] }) {
  return (
    <table>
      <caption className="visually-hidden">Last usage report of each reserved product instance</caption>
      <HeaderRow names={['Virtual account', 'Product instance', 'Last report', 'Made', 'Imported', 'Status', 'In use', 'Flags']} />
      <tbody>
        {lines.length === 0 && (
          <tr>
            <td colSpan={8}>No product instance has reserved licenses.</td>
          </tr>
        )}
        {lines.map((l) => (
          <tr key={`${l.satellite ?? ''}|${l.udi}`} data-flags={l.flags.join(' ') || undefined}>
            <td>{l.satellite ? `${l.account} (satellite “${l.satellite}”)` : l.account}</td>
            <td>{l.sn}</td>
            <td>{l.last ? `#${l.last.seq}` : 'never'}</td>
            <td>{l.last ? formatWhen(l.last.madeAt) : '—'}</td>
            <td>{l.last ? formatWhen(l.last.importedAt) : '—'}</td>
            <td>{l.last?.status ?? '—'}</td>
            <td>{l.last ? usageWords(l.last.usage, '—') : '—'}</td>
            <td>{l.flags.map((f) => FLAGS[f]).join(', ') || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** After how many days without a report an instance is flagged silent. */
function SilencePolicy({ days, changed }: { days: number | null; changed: () => Promise<unknown> }) {
  const act = useAction();
  const [typed, setTyped] = useState(days === null ? '' : String(days));
  const set = (value: number | null) =>
    act.run(async () => {
      await call('authorityUsagePolicy', value);
      await changed();
    });
  const n = Number(typed);
  const valid = /^[0-9]{1,4}$/.test(typed) && n >= 1 && n <= 3650;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void set(n);
      }}
    >
      <p>{days === null ? 'No silence policy: no instance is flagged silent.' : `Flagged silent after ${days} days without a report.`}</p>
      <label>
        Days without a report
        <input inputMode="numeric" value={typed} onChange={(e) => setTyped(e.target.value.trim())} aria-invalid={typed !== '' && !valid} />
      </label>
      <button type="submit" disabled={act.busy || !valid}>
        Set policy
      </button>
      {days !== null && (
        <button type="button" disabled={act.busy} onClick={() => void set(null)}>
          No policy
        </button>
      )}
      <ErrorNotice error={act.error} />
    </form>
  );
}

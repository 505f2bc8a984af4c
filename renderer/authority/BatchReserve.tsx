/**
 * Many devices in one hand-off (issue 30): the request codes of a batch (pasted, or a folder of request files
 * or a file of codes dropped onto the window), the licenses each device gets (checked against what the
 * virtual account has free for all of them), one step that reserves for every device or for none, and the
 * bundle of authorization codes saved to a file that each device installs its own entry from.
 */
import { useId, useState } from 'react';
import type { BridgeResults, RequestInspection } from '../../shared/bridge.ts';
import { countPlan, type CountPlan } from '../../shared/authority/count-plan.ts';
import { MAX_BATCH } from '../../shared/codes/authorization-bundle.ts';
import { requestCodesInText } from '../../shared/codes/batch-requests.ts';
import { call } from '../bridge.ts';
import { isBatch } from '../components/incoming-file.ts';
import { useFieldDrops } from '../components/useFieldDrops.ts';
import { DeviceStateNotice, ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { useDraft } from '../components/useDraft.ts';
import { CountInput } from '../components/Wizard.tsx';
import type { Ready, Refresh } from './types.ts';

type Done = BridgeResults['authorityReserveBatch'];

/** The licenses each device gets, checked for the whole batch as typed. */
function CountsTable({
  inspection,
  account,
  plan,
  counts,
  setCounts,
}: {
  inspection: RequestInspection;
  account: string;
  plan: CountPlan;
  counts: Readonly<Record<string, string>>;
  setCounts: (c: Record<string, string>) => void;
}) {
  return (
    <table>
      <caption>Licenses for each device (only from surplus)</caption>
      <thead>
        <tr>
          <th scope="col">License</th>
          <th scope="col">Available</th>
          <th scope="col">Each device</th>
        </tr>
      </thead>
      <tbody>
        {inspection.licenses.map((l, i) => (
          <tr key={l.short}>
            <td>
              <label htmlFor={`batch-${l.short}`}>{l.displayName}</label>
            </td>
            <td className="num">{l.available[account] ?? 0}</td>
            <td>
              <CountInput
                id={`batch-${l.short}`}
                value={counts[l.short] ?? '0'}
                problem={plan.lines[i]!.problem}
                onChange={(v) => setCounts({ ...counts, [l.short]: v })}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What was reserved: each device of the bundle, and the bundle saved where the operator chooses. */
function BundleDone({ done, restart }: { done: Done; restart: () => void }) {
  const save = useAction();
  const [saved, setSaved] = useState<string | null>(null);
  const warnings = done.entries.flatMap((e) => e.warnings.map((w) => `${e.sn}: ${w}`));
  return (
    <section className="card" aria-labelledby="batch-done-title" data-testid="batch-done">
      <h3 id="batch-done-title">Many devices in one hand-off</h3>
      <Notice kind="success" title={`Licenses reserved for ${done.entries.length} product instances: one authorization bundle for all of them.`}>
        Carry the bundle to the devices: each installs its own entry (“Install authorization code” → Open file…, or{' '}
        <code>license smart reservation install-file</code>).
      </Notice>
      <table>
        <caption>The bundle’s devices</caption>
        <thead>
          <tr>
            <th scope="col">Serial number</th>
            <th scope="col">UDI</th>
          </tr>
        </thead>
        <tbody>
          {done.entries.map((e) => (
            <tr key={e.udi}>
              <td>{e.sn}</td>
              <td>
                <code>{e.udi}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <DeviceStateNotice warnings={warnings} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={save.busy}
          onClick={() => void save.run(async () => setSaved(await call('fileSaveBundle', { name: done.name, text: done.bundle })))}
        >
          Save bundle…
        </button>
        <button type="button" onClick={restart}>
          Reserve for another batch
        </button>
      </div>
      {saved && <p role="status">Saved to {saved}.</p>}
      <ErrorNotice error={save.error} />
    </section>
  );
}

/** The batch's codes: pasted, or from a dropped folder or file (`from` says which). */
function RequestsField({
  id,
  text,
  from,
  codes,
  edit,
}: {
  id: string;
  text: string;
  from: string | null;
  codes: readonly string[];
  edit: (t: string) => void;
}) {
  return (
    <div className="code-input">
      <label htmlFor={`${id}-codes`}>The devices’ requests, one code per line</label>
      <textarea
        id={`${id}-codes`}
        rows={4}
        value={text}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => edit(e.target.value)}
        data-testid="input-request-batch"
      />
      <p className="help">
        Paste them, or drop a folder of request files (<code>&lt;SN&gt;-request.txt</code>, <code>.slrreq</code>) or a file with a code per line onto this
        window. At most {MAX_BATCH}.
      </p>
      {codes.length > 0 && (
        <p role="status">
          {codes.length} request code{codes.length === 1 ? '' : 's'}
          {from ? ` from ${from}` : ''}.
        </p>
      )}
    </div>
  );
}

/** The batch's state: its codes (a draft) and where they came from, the first request's licenses, the counts, what was reserved. */
function useBatch(view: Ready) {
  const act = useAction();
  const [text, setText] = useDraft('authority.batch-requests', '');
  const [from, setFrom] = useState<string | null>(null);
  const [account, setAccount] = useState(view.accounts[0] ?? 'Default');
  const [inspection, setInspection] = useState<RequestInspection | null>(null);
  const [counts, setCounts] = useDraft<Record<string, string>>('authority.batch-counts', {});
  const [done, setDone] = useState<Done | null>(null);
  const codes = requestCodesInText(text);
  const edit = (t: string, source: string | null = null) => {
    setText(t);
    setFrom(source);
    setInspection(null);
  };
  // While on screen, the batch field takes a dropped folder, or a dropped file of many request codes.
  useFieldDrops(true, 'request-batch', isBatch, (f) =>
    'error' in f ? act.setError({ message: f.error }) : edit(f.text, f.folder ? `the folder ${f.name}` : f.name),
  );
  const restart = () => {
    edit('');
    setCounts({});
    setDone(null);
  };
  const plan =
    inspection &&
    countPlan(
      inspection.licenses.map((l) => ({
        short: l.short,
        displayName: l.displayName,
        now: 0,
        available: l.available[account] ?? 0,
        asked: counts[l.short] ?? '',
        devices: codes.length,
      })),
    );
  return { act, text, from, edit, account, setAccount, inspection, setInspection, counts, setCounts, done, setDone, codes, plan, restart };
}

export function BatchReserve({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const id = useId();
  const { act, text, from, edit, account, setAccount, inspection, setInspection, counts, setCounts, done, setDone, codes, plan, restart } = useBatch(view);
  if (done) return <BundleDone done={done} restart={restart} />;
  const reserve = () =>
    void act.run(async () => {
      setDone(await call('authorityReserveBatch', { account, requests: [...codes], licenses: plan!.changed }));
      await refresh();
    });
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="batch-reserve">
      <h3 id={`${id}-title`}>Many devices in one hand-off</h3>
      <RequestsField id={id} text={text} from={from} codes={codes} edit={(t) => edit(t)} />
      {!inspection && (
        <button
          type="button"
          disabled={act.busy || codes.length === 0}
          onClick={() => void act.run(async () => setInspection(await call('authorityInspectRequest', codes[0]!)))}
        >
          Choose licenses
        </button>
      )}
      {inspection && plan && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            reserve();
          }}
        >
          <p>
            The licenses of {inspection.productName}, for each of the {codes.length} devices.
          </p>
          <label htmlFor={`${id}-account`}>Virtual account</label>
          <select id={`${id}-account`} value={account} onChange={(e) => setAccount(e.target.value)}>
            {view.accounts.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
          <CountsTable inspection={inspection} account={account} plan={plan} counts={counts} setCounts={setCounts} />
          <div className="actions">
            <button type="submit" className="primary" disabled={act.busy || !plan.ok}>
              Reserve for {codes.length} devices
            </button>
          </div>
        </form>
      )}
      <ErrorNotice error={act.error} />
    </section>
  );
}

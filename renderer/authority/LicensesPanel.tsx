/**
 * The license pool: what to do (add licenses, add a virtual account, transfer) in a toolbar above the table,
 * one form open at a time, its result beside it; the table filtered by virtual account, numbers right-aligned.
 */
import { ExpiringPanel } from './ExpiringPanel.tsx';
import { parseIsoDate } from '../../shared/codes/dates.ts';
import { describeLifetime, lifetime, termEndsAt } from '../../shared/lifetime.ts';
import { formatDay } from '../components/format.ts';
import { useState } from 'react';
import { PRODUCTS, findAnyEntitlement } from '../../shared/catalog.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import type { Ready, Refresh } from './types.ts';

const ALL_LICENSES = PRODUCTS.flatMap((p) => p.entitlements.filter((e) => e.reservable).map((e) => ({ product: p, def: e })));
const nameOf = (short: string) => findAnyEntitlement(short)?.def.displayName ?? short;
type Tool = 'add' | 'account' | 'transfer';
type Done = (text: string) => Promise<void>;
type Act = ReturnType<typeof useAction>;

function LicenseOptions() {
  return ALL_LICENSES.map(({ def }) => (
    <option key={def.tag} value={def.short}>
      {def.displayName}
    </option>
  ));
}

function AddLicenses({ view, act, done }: { view: Ready; act: Act; done: Done }) {
  const [f, setF] = useState({ account: view.accounts[0] ?? 'Default', tag: ALL_LICENSES[0]!.def.short, count: '10', term: false, start: '', end: '' });
  const countOk = /^\d+$/.test(f.count) && Number(f.count) >= 1 && Number(f.count) <= 9_999_999;
  return (
    <form
      className="inline-form"
      aria-label="Add licenses"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          await call('authorityAddLicenses', {
            account: f.account,
            tag: f.tag,
            count: Number(f.count),
            ...(f.term ? { term: { start: f.start, end: f.end } } : {}),
          });
          await done(`${f.count} × ${nameOf(f.tag)} added to ${f.account}.`);
        });
      }}
    >
      <label htmlFor="add-account">Virtual account</label>
      <select id="add-account" value={f.account} onChange={(e) => setF({ ...f, account: e.target.value })}>
        {view.accounts.map((a) => (
          <option key={a}>{a}</option>
        ))}
      </select>
      <label htmlFor="add-tag">License</label>
      <select id="add-tag" value={f.tag} onChange={(e) => setF({ ...f, tag: e.target.value })}>
        <LicenseOptions />
      </select>
      <label htmlFor="add-count">Count</label>
      <input
        id="add-count"
        className="count"
        inputMode="numeric"
        value={f.count}
        aria-invalid={!countOk}
        aria-describedby="add-count-help"
        onChange={(e) => setF({ ...f, count: e.target.value })}
      />
      <label className="check">
        <input type="checkbox" checked={f.term} onChange={(e) => setF({ ...f, term: e.target.checked })} /> TERM
      </label>
      {f.term && (
        <>
          <label htmlFor="add-start">Start</label>
          <input id="add-start" type="date" value={f.start} onChange={(e) => setF({ ...f, start: e.target.value })} required />
          <label htmlFor="add-end">End</label>
          <input id="add-end" type="date" value={f.end} onChange={(e) => setF({ ...f, end: e.target.value })} required />
        </>
      )}
      <button type="submit" className="primary" disabled={act.busy || !countOk}>
        Add licenses
      </button>
      <p id="add-count-help" className={countOk ? 'help' : 'help field-error'}>
        {countOk ? 'A whole number from 1 to 9,999,999.' : `“${f.count}” is not a count: enter a whole number from 1 to 9,999,999.`}
      </p>
    </form>
  );
}

function AddAccount({ act, done }: { act: Act; done: Done }) {
  const [name, setName] = useState('');
  return (
    <form
      className="inline-form"
      aria-label="Add a virtual account"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          await call('authorityAddAccount', name);
          setName('');
          await done(`Virtual account ${name} created.`);
        });
      }}
    >
      <label htmlFor="new-account">Name</label>
      <input id="new-account" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
      <button type="submit" className="primary" disabled={act.busy || !name.trim()}>
        Add virtual account
      </button>
    </form>
  );
}

function TransferLicenses({ view, act, done }: { view: Ready; act: Act; done: Done }) {
  const [m, setM] = useState({
    from: view.accounts[0] ?? 'Default',
    to: view.accounts[1] ?? view.accounts[0] ?? 'Default',
    tag: ALL_LICENSES[0]!.def.short,
    count: '1',
  });
  const select = (id: string, key: 'from' | 'to') => (
    <select id={id} value={m[key]} onChange={(e) => setM({ ...m, [key]: e.target.value })}>
      {view.accounts.map((a) => (
        <option key={a}>{a}</option>
      ))}
    </select>
  );
  return (
    <form
      className="inline-form"
      aria-label="Transfer licenses between virtual accounts"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          await call('authorityTransferLicenses', { ...m, count: Number(m.count) });
          await done(`${m.count} × ${nameOf(m.tag)} transferred from ${m.from} to ${m.to}.`);
        });
      }}
    >
      <label htmlFor="mv-from">From</label>
      {select('mv-from', 'from')}
      <label htmlFor="mv-to">To</label>
      {select('mv-to', 'to')}
      <label htmlFor="mv-tag">License</label>
      <select id="mv-tag" value={m.tag} onChange={(e) => setM({ ...m, tag: e.target.value })}>
        <LicenseOptions />
      </select>
      <label htmlFor="mv-count">Count</label>
      <input id="mv-count" className="count" inputMode="numeric" value={m.count} onChange={(e) => setM({ ...m, count: e.target.value })} />
      <button type="submit" className="primary" disabled={act.busy || !/^\d+$/.test(m.count) || m.from === m.to}>
        Transfer
      </button>
    </form>
  );
}

/** The earliest TERM end of a line: its day, and "Expired" or the days left once within 90 days (louder from 30). */
function TermEnd({ day, now }: { day: string; now: number }) {
  const end = parseIsoDate(day, 'end date');
  const life = lifetime(termEndsAt(end), now);
  return (
    <span className={life.urgency === 'urgent' || life.urgency === 'warning' ? 'term-warning' : undefined}>
      <span className="value">{formatDay(end)}</span>
      {life.warning !== null || life.expired ? ` (${describeLifetime(life)})` : ''}
    </span>
  );
}

function LicenseTable({ view, account }: { view: Ready; account: string }) {
  const rows = account ? view.licenses.filter((l) => l.account === account) : view.licenses;
  return (
    <table data-testid="licenses-table">
      <caption>Licenses valid now, per virtual account</caption>
      <thead>
        <tr>
          <th scope="col">Virtual account</th>
          <th scope="col">License</th>
          <th scope="col" className="col-optional">
            Level
          </th>
          <th scope="col">Expires</th>
          <th scope="col" className="num">
            Purchased
          </th>
          <th scope="col" className="num">
            Reserved
          </th>
          <th scope="col" className="num">
            In transition
          </th>
          <th scope="col" className="num">
            Available
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={8}>No licenses yet: add some with “Add licenses” above.</td>
          </tr>
        )}
        {rows.map((l) => (
          <tr key={`${l.account}|${l.tag}`} data-license={`${l.account}/${l.short}`}>
            <td>{l.account}</td>
            <td>{l.displayName}</td>
            <td className="col-optional">{l.level ?? '-'}</td>
            <td>{l.expires ? <TermEnd day={l.expires} now={view.now} /> : '-'}</td>
            <td className="num">{l.purchased}</td>
            <td className="num">{l.reserved}</td>
            <td className="num">{l.inTransition}</td>
            <td className="num">{l.available}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const TOOLS: readonly [Tool, string][] = [
  ['add', 'Add licenses…'],
  ['account', 'Add virtual account…'],
  ['transfer', 'Transfer licenses…'],
];

export function LicensesPanel({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const act = useAction();
  const [tool, setTool] = useState<Tool | null>(view.licenses.length === 0 ? 'add' : null);
  const [account, setAccount] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const done: Done = async (text) => {
    setNote(text);
    await refresh();
  };
  const pick = (t: Tool) => {
    setTool(tool === t ? null : t);
    setNote(null);
    act.setError(null);
  };
  return (
    <div>
      <div className="toolbar" role="toolbar" aria-label="License actions">
        {TOOLS.filter(([t]) => t !== 'transfer' || view.accounts.length > 1).map(([t, label]) => (
          <button key={t} type="button" aria-pressed={tool === t} onClick={() => pick(t)}>
            {label}
          </button>
        ))}
        <label htmlFor="lic-account">Virtual account</label>
        <select id="lic-account" value={account} onChange={(e) => setAccount(e.target.value)}>
          <option value="">All</option>
          {view.accounts.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </div>
      {tool === 'add' && <AddLicenses view={view} act={act} done={done} />}
      {tool === 'account' && <AddAccount act={act} done={done} />}
      {tool === 'transfer' && <TransferLicenses view={view} act={act} done={done} />}
      {note && <Notice kind="success">{note}</Notice>}
      <ErrorNotice error={act.error} />
      <LicenseTable view={view} account={account} />
      <ExpiringPanel stamp={view} />
    </div>
  );
}

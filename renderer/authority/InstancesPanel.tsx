/**
 * The product instances, however many: searched, filtered and sorted by License Central's ledger and shown
 * a page at a time. An action opens in a dialog over the list, with the focus in it, and gives the focus
 * back to the row's control when it closes; its result is shown in the dialog, where the eye is.
 */
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { InstanceLineView, InstancePage, InstanceQuery } from '../../shared/bridge.ts';
import { DEVICE_FINDINGS } from '../../shared/authority/views.ts';
import { formatInstant } from '../../shared/codes/dates.ts';
import { PRODUCTS, findAnyEntitlement } from '../../shared/catalog.ts';
import { call } from '../bridge.ts';
import { ErrorNotice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import type { Ready, Refresh } from './types.ts';
import { ACTION_LABELS, InstanceActionPanel, type InstanceAction } from './InstanceActions.tsx';

const PAGE = 50;
/** Licenses by display name (the tag is in the instance's details). */
const fmt = (m: Readonly<Record<string, number>>) =>
  Object.entries(m)
    .map(([k, v]) => `${v} × ${findAnyEntitlement(k)?.def.displayName ?? k}`)
    .join(', ') || '-';
/** Date and minute: a value that never breaks in the middle; the full instant is its title. */
const when = (ms: number) => formatInstant(ms).slice(0, 16).replace('T', ' ');

/** The current page for `query`, fetched again when the query changes or after an action. */
function usePage(query: InstanceQuery) {
  const [page, setPage] = useState<InstancePage | null>(null);
  const act = useAction();
  const load = useCallback(() => act.run(async () => setPage(await call('authorityInstances', query))), [act.run, query]);
  useEffect(() => {
    // A search typed quickly asks once, after the typing pauses.
    const t = setTimeout(() => void load(), query.search ? 150 : 0);
    return () => clearTimeout(t);
  }, [load, query.search]);
  return { page, load, error: act.error };
}

function QueryBar({ view, query, setQuery }: { view: Ready; query: InstanceQuery; setQuery: (q: InstanceQuery) => void }) {
  const id = useId();
  const set = (patch: Partial<InstanceQuery>) => setQuery({ ...query, ...patch, offset: 0 });
  return (
    <div className="toolbar" role="search">
      <label htmlFor={`${id}-q`}>Search</label>
      <input id={`${id}-q`} type="search" value={query.search ?? ''} onChange={(e) => set({ search: e.target.value })} placeholder="UDI, SN, account…" />
      <label htmlFor={`${id}-va`}>Virtual account</label>
      <select id={`${id}-va`} value={query.account ?? ''} onChange={(e) => set({ account: e.target.value || undefined })}>
        <option value="">All</option>
        {view.accounts.map((a) => (
          <option key={a}>{a}</option>
        ))}
      </select>
      <label htmlFor={`${id}-pid`}>Product</label>
      <select id={`${id}-pid`} value={query.product ?? ''} onChange={(e) => set({ product: e.target.value || undefined })}>
        <option value="">All</option>
        {PRODUCTS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-only`}>Show</label>
      <select id={`${id}-only`} value={query.only ?? ''} onChange={(e) => set({ only: (e.target.value || undefined) as InstanceQuery['only'] })}>
        <option value="">All instances</option>
        <option value="in-transition">With licenses in transition</option>
        <option value="locked">Locked</option>
      </select>
      <label htmlFor={`${id}-sort`}>Sort by</label>
      <select id={`${id}-sort`} value={query.sort ?? 'sn'} onChange={(e) => set({ sort: e.target.value as InstanceQuery['sort'] })}>
        <option value="sn">Serial number</option>
        <option value="account">Virtual account</option>
        <option value="product">Product</option>
        <option value="last-contact">Last contact</option>
      </select>
    </div>
  );
}

function Pager({ page, setOffset }: { page: InstancePage; setOffset: (offset: number) => void }) {
  const last = Math.min(page.offset + page.rows.length, page.total);
  return (
    <nav className="pager" aria-label="Pages of product instances">
      <button type="button" disabled={page.offset === 0} onClick={() => setOffset(Math.max(0, page.offset - PAGE))}>
        Previous
      </button>
      <span aria-live="polite">
        {page.total === 0 ? 'None' : `${(page.offset + 1).toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${page.total.toLocaleString('en-US')}`}
      </span>
      <button type="button" disabled={last >= page.total} onClick={() => setOffset(page.offset + PAGE)}>
        Next
      </button>
    </nav>
  );
}

function Row({ i, open, unlock }: { i: InstanceLineView; open: (action: InstanceAction, from: HTMLElement) => void; unlock: () => void }) {
  return (
    <tr data-sn={i.sn}>
      <td>
        <span className="value">UDI_PID {i.product};</span> <span className="value">UDI_SN {i.sn}</span>
        {i.locked && <strong className="status-badge status-bad"> LOCKED</strong>}
        {i.deviceFinding && (
          <strong className="status-badge status-bad" title={i.deviceWarning ?? undefined}>
            {' '}
            {DEVICE_FINDINGS[i.deviceFinding]}
          </strong>
        )}
      </td>
      <td className="col-optional">{i.productType}</td>
      <td>{i.account}</td>
      <td className="value col-optional" title={formatInstant(i.lastContact)}>
        {when(i.lastContact)}
      </td>
      <td>{fmt(i.reserved)}</td>
      <td>{fmt(i.inTransition)}</td>
      <td>
        <label className="visually-hidden" htmlFor={`act-${i.sn}`}>
          Actions for {i.sn}
        </label>
        <select
          id={`act-${i.sn}`}
          value=""
          onChange={(e) => {
            if (e.target.value) open(e.target.value as InstanceAction, e.target);
          }}
        >
          <option value="">Actions…</option>
          {(Object.keys(ACTION_LABELS) as InstanceAction[]).map((a) => (
            <option key={a} value={a}>
              {ACTION_LABELS[a]}
            </option>
          ))}
        </select>
        {i.locked && (
          <button type="button" onClick={unlock}>
            Unlock {i.sn}
          </button>
        )}
      </td>
    </tr>
  );
}

type Opened = { instance: InstanceLineView; action: InstanceAction; from: HTMLElement };

/** An action over the list, modal: the focus goes into it, and back to the control that opened it after. */
function ActionDialog({ open, view, refresh, done }: { open: Opened | null; view: Ready; refresh: Refresh; done: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (open && !dialog.current?.open) dialog.current?.showModal();
  }, [open]);
  const close = () => {
    dialog.current?.close();
    // Back to the control that opened it; to the search when its row is gone (removed, rehosted).
    if (open?.from.isConnected) open.from.focus();
    else document.querySelector<HTMLInputElement>('[role="search"] input')?.focus();
    done();
  };
  return (
    <dialog ref={dialog} className="action-dialog" aria-labelledby="action-title" onClose={() => open && close()}>
      {open && (
        <InstanceActionPanel
          key={`${open.instance.sn}-${open.action}`}
          instance={open.instance}
          action={open.action}
          view={view}
          refresh={refresh}
          close={close}
        />
      )}
    </dialog>
  );
}

function InstanceTable({ page, filtered, children }: { page: InstancePage | null; filtered: boolean; children: ReactNode }) {
  return (
    <table data-testid="instances-table">
      <caption>Product instances with reserved licenses</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col" className="col-optional">
            Product type
          </th>
          <th scope="col">Virtual account</th>
          <th scope="col" className="col-optional">
            Last contact
          </th>
          <th scope="col">Reserved</th>
          <th scope="col">In transition</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {page?.total === 0 && (
          <tr>
            <td colSpan={7}>{filtered ? 'No product instance matches.' : 'No product instances yet: reserve licenses under License Reservation.'}</td>
          </tr>
        )}
        {children}
      </tbody>
    </table>
  );
}

export function InstancesPanel({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const [query, setQuery] = useState<InstanceQuery>({ sort: 'sn', limit: PAGE, offset: 0 });
  const { page, load, error } = usePage(query);
  const act = useAction();
  const [open, setOpen] = useState<Opened | null>(null);
  const after = async () => {
    await Promise.all([refresh(), load()]);
  };
  return (
    <div>
      <QueryBar view={view} query={query} setQuery={setQuery} />
      <ErrorNotice error={error ?? act.error} />
      <InstanceTable page={page} filtered={Boolean(query.search || query.account || query.only)}>
        {page?.rows.map((i) => (
          <Row
            key={i.piid}
            i={i}
            open={(action, from) => setOpen({ instance: i, action, from })}
            unlock={() => void act.run(async () => (await call('authorityUnlock', i.sn), after()))}
          />
        ))}
      </InstanceTable>
      {page && <Pager page={page} setOffset={(offset) => setQuery({ ...query, offset })} />}
      <ActionDialog open={open} view={view} refresh={after} done={() => setOpen(null)} />
    </div>
  );
}

/**
 * The product instances, however many: searched, filtered and sorted by License Central's ledger and shown
 * a page at a time. An action opens in a dialog over the list, with the focus in it, and gives the focus
 * back to the row's control when it closes; its result is shown in the dialog, where the eye is.
 */
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { InstanceLineView, InstancePage, InstanceQuery } from '../../shared/bridge.ts';
import { PRODUCTS } from '../../shared/catalog.ts';
import { call } from '../bridge.ts';
import { ErrorNotice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import type { Ready, Refresh } from './types.ts';
import { InstanceActionPanel, type InstanceAction } from './InstanceActions.tsx';
import { InstanceRow } from './InstanceRow.tsx';
import { formatCount } from '../components/format.ts';

const PAGE = 50;

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
      <span className="field">
        <label htmlFor={`${id}-q`}>Search</label>
        <input id={`${id}-q`} type="search" value={query.search ?? ''} onChange={(e) => set({ search: e.target.value })} placeholder="UDI, SN, account…" />
      </span>
      <span className="field">
        <label htmlFor={`${id}-va`}>Virtual account</label>
        <select id={`${id}-va`} value={query.account ?? ''} onChange={(e) => set({ account: e.target.value || undefined })}>
          <option value="">All</option>
          {view.accounts.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </span>
      <span className="field">
        <label htmlFor={`${id}-pid`}>Product</label>
        <select id={`${id}-pid`} value={query.product ?? ''} onChange={(e) => set({ product: e.target.value || undefined })}>
          <option value="">All</option>
          {PRODUCTS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </span>
      <span className="field">
        <label htmlFor={`${id}-only`}>Show</label>
        <select id={`${id}-only`} value={query.only ?? ''} onChange={(e) => set({ only: (e.target.value || undefined) as InstanceQuery['only'] })}>
          <option value="">All instances</option>
          <option value="in-transition">With licenses in transition</option>
          <option value="locked">Locked</option>
        </select>
      </span>
    </div>
  );
}

function Pager({ page, setOffset, where }: { page: InstancePage; setOffset: (offset: number) => void; where: 'top' | 'bottom' }) {
  const last = Math.min(page.offset + page.rows.length, page.total);
  return (
    <nav className="pager" aria-label={`Pages of product instances (${where})`}>
      <button type="button" disabled={page.offset === 0} onClick={() => setOffset(Math.max(0, page.offset - PAGE))}>
        Previous
      </button>
      <span aria-live={where === 'top' ? 'polite' : undefined}>
        {page.total === 0 ? 'None' : `${formatCount(page.offset + 1)}–${formatCount(last)} of ${formatCount(page.total)}`}
      </span>
      <button type="button" disabled={last >= page.total} onClick={() => setOffset(page.offset + PAGE)}>
        Next
      </button>
    </nav>
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

/** A column header that sorts the list by it (again: the other way), saying which way it sorts now. */
function SortHeader({
  label,
  by,
  query,
  setQuery,
  optional,
}: {
  label: string;
  by: NonNullable<InstanceQuery['sort']>;
  query: InstanceQuery;
  setQuery: (q: InstanceQuery) => void;
  optional?: boolean;
}) {
  const current = (query.sort ?? 'sn') === by;
  const descending = current && Boolean(query.descending);
  return (
    <th scope="col" className={optional ? 'col-optional' : undefined} aria-sort={current ? (descending ? 'descending' : 'ascending') : undefined}>
      <button type="button" className="sort" onClick={() => setQuery({ ...query, sort: by, descending: current ? !descending : false, offset: 0 })}>
        {label}
        <span aria-hidden="true">{current ? (descending ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
}

function InstanceTable({
  page,
  query,
  setQuery,
  children,
}: {
  page: InstancePage | null;
  query: InstanceQuery;
  setQuery: (q: InstanceQuery) => void;
  children: ReactNode;
}) {
  const filtered = Boolean(query.search || query.account || query.only || query.product);
  const sort = { query, setQuery };
  return (
    <table data-testid="instances-table" className="sticky-head">
      <caption>Product instances with reserved licenses</caption>
      <thead>
        <tr>
          <SortHeader label="Name" by="sn" {...sort} />
          <SortHeader label="Product type" by="product" optional {...sort} />
          <SortHeader label="Virtual account" by="account" {...sort} />
          <SortHeader label="Last contact" by="last-contact" optional {...sort} />
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
      {page && <Pager page={page} setOffset={(offset) => setQuery({ ...query, offset })} where="top" />}
      <InstanceTable page={page} query={query} setQuery={setQuery}>
        {page?.rows.map((i) => (
          <InstanceRow
            key={i.piid}
            i={i}
            view={view}
            open={(action, from) => setOpen({ instance: i, action, from })}
            unlock={() => void act.run(async () => (await call('authorityUnlock', i.sn), after()))}
          />
        ))}
      </InstanceTable>
      {page && page.total > PAGE && <Pager page={page} setOffset={(offset) => setQuery({ ...query, offset })} where="bottom" />}
      <ActionDialog open={open} view={view} refresh={after} done={() => setOpen(null)} />
    </div>
  );
}

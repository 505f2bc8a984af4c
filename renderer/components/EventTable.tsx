import { useId, useMemo, useState } from 'react';
import { call } from '../bridge.ts';
import { useAction } from './useAction.ts';
import { ErrorNotice, Notice } from './Notice.tsx';
import type { LogCheck } from '../../shared/bridge.ts';
import { formatWhen } from './format.ts';

export interface EventRow {
  /** The ledger's id (the device's events have none). */
  readonly id?: number;
  /** Its link in the log's chain: unique, so it keys the row where there is no id. */
  readonly hash?: string | null;
  readonly at: number;
  readonly type: string;
  readonly message: string;
  readonly actor?: string;
  readonly account?: string | null;
  readonly instance?: string | null;
}

/** What the check of the log's chain of hashes says: intact, or the first event that was changed. */
function LogCheckNotice({ check }: { check: LogCheck }) {
  return (
    <Notice kind={check.intact ? 'info' : 'error'} title={check.intact ? 'Log intact' : 'Log not intact'}>
      {check.text}
    </Notice>
  );
}

/** The authority's log says who, in which virtual account, on which instance (hidden on narrow windows). */
const AUTHORITY_COLUMNS = ['By', 'Virtual account', 'Product instance'];

/** The events shown, as a table: `full` adds the authority's columns. */
function EventRows({ shown, total, full }: { shown: readonly EventRow[]; total: number; full: boolean }) {
  return (
    <table className="events">
      <caption>{`${shown.length} of ${total} events`}</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Event</th>
          {full &&
            AUTHORITY_COLUMNS.map((c) => (
              <th key={c} scope="col" className="col-optional">
                {c}
              </th>
            ))}
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {shown.map((e) => (
          <tr key={e.id ?? e.hash ?? `${e.at}-${e.type}-${e.message}`}>
            <td className="value">{formatWhen(e.at)}</td>
            <td>{e.type}</td>
            {full && (
              <>
                <td className="col-optional">{e.actor}</td>
                <td className="col-optional">{e.account ?? ''}</td>
                <td className="col-optional value">{e.instance ?? ''}</td>
              </>
            )}
            <td>{e.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The event log: newest first, filtered by any text, exported to CSV through a save dialog. */

export function EventTable({ kind, events, check }: { kind: 'instance' | 'authority'; events: readonly EventRow[]; check: LogCheck }) {
  const id = useId();
  const [filter, setFilter] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const act = useAction();
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return [...events].reverse().filter((e) => !f || [e.type, e.message, e.actor, e.account, e.instance].some((v) => v?.toLowerCase().includes(f)));
  }, [events, filter]);
  const full = kind === 'authority';
  return (
    <div>
      <div className="inline-form">
        <label htmlFor={`${id}-filter`}>Filter</label>
        <input id={`${id}-filter`} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="type, device, text…" />
        <button
          type="button"
          disabled={act.busy}
          onClick={() =>
            void act.run(async () => {
              const p = await call('fileSaveEvents', kind);
              setNote(p ? `Exported to ${p}.` : null);
            })
          }
        >
          Export CSV…
        </button>
      </div>
      <LogCheckNotice check={check} />
      {note && <Notice kind="success">{note}</Notice>}
      <ErrorNotice error={act.error} />
      <EventRows shown={shown} total={events.length} full={full} />
    </div>
  );
}

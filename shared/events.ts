/** Event logs as CSV, the same from the CLI and the app. */
import { formatInstant } from './codes/dates.ts';
import { toCsv } from './csv.ts';
import type { InstanceEvent } from './instance/state.ts';
import type { LedgerEvent } from './authority/views.ts';

export function instanceEventsCsv(events: readonly InstanceEvent[]): string {
  return toCsv(
    ['time', 'type', 'message'],
    events.map((e) => [formatInstant(e.at), e.type, e.message]),
  );
}

export function authorityEventsCsv(events: readonly LedgerEvent[]): string {
  return toCsv(
    ['time', 'actor', 'account', 'instance', 'type', 'message', 'code'],
    events.map((e) => [formatInstant(e.at), e.actor, e.account, e.instance, e.type, e.message, e.code]),
  );
}

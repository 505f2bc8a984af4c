/**
 * Event logs as CSV, the same from the CLI and the app. The `hash` column keeps the log's chain, so an
 * auditor can check the export (README: Tamper-evident logs).
 */
import { formatInstant } from './codes/dates.ts';
import { toCsv } from './csv.ts';
import type { InstanceEvent } from './instance/state.ts';
import type { LedgerEvent } from './authority/views.ts';

export function instanceEventsCsv(events: readonly InstanceEvent[]): string {
  return toCsv(
    ['time', 'at', 'type', 'message', 'hash'],
    events.map((e) => [formatInstant(e.at), e.at, e.type, e.message, e.hash ?? '']),
  );
}

export function authorityEventsCsv(events: readonly LedgerEvent[]): string {
  return toCsv(
    ['time', 'at', 'actor', 'account', 'instance', 'type', 'message', 'code', 'hash'],
    events.map((e) => [formatInstant(e.at), e.at, e.actor, e.account, e.instance, e.type, e.message, e.code, e.hash ?? '']),
  );
}

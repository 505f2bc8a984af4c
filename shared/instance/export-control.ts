/**
 * Export control online on the product instance, as pure functions of its state (the seeds' `license smart
 * export request|return local <feature>` and `license smart export cancel`): the export authorization keys
 * License Central answered, an operation that did not reach it kept as pending and retried with the other
 * automatic calls until it is done or cancelled. Every answer lists all the keys License Central holds for
 * the instance, and the device takes that list as it is: so after any failure, retry or cancel, both sides
 * agree at the next answer (a request whose answer was lost is found granted; a return found done).
 */
import { refuse } from '../errors.ts';
import type { ExportGrant } from '../registration/protocol.ts';
import { afterCall } from './online.ts';
import { event, withEvents, type ExportPending, type InstanceState } from './state.ts';

export const exportKeysOf = (state: InstanceState): readonly ExportGrant[] => state.online?.exportKeys ?? [];
export const exportPendingOf = (state: InstanceState): ExportPending | null => state.online?.exportPending ?? null;

/** Whether the keys answered settle the pending operation: a request whose key is there, a return whose key is gone. */
function settles(pending: ExportPending | null, keys: readonly ExportGrant[]): boolean {
  if (!pending) return false;
  const held = keys.some((k) => k.feature === pending.feature);
  return pending.op === 'request' ? held : !held;
}

/**
 * License Central's list of the instance's keys taken as it is (after a signed call with sequence `seq`).
 * `done`: the pending operation this answer was the call of (it is settled whatever the list says).
 */
export function afterExportKeys(state: InstanceState, seq: number, keys: readonly ExportGrant[], at: number, done = false): InstanceState {
  const before = exportKeysOf(state).map((k) => k.feature);
  const pending = exportPendingOf(state);
  const next = afterCall(state, seq, { exportKeys: keys, exportPending: done || settles(pending, keys) ? null : pending });
  const now = keys.map((k) => k.feature);
  const gained = now.filter((f) => !before.includes(f));
  const lost = before.filter((f) => !now.includes(f));
  const events = [
    ...gained.map((f) => event(at, 'export-key', `Export authorization key for ${f} installed: export-restricted functionality is allowed.`)),
    ...lost.map((f) => event(at, 'export-key-removed', `Export authorization key for ${f} removed: License Central holds it no more.`)),
  ];
  return withEvents(next, ...events);
}

/** An export request or return that did not reach License Central: kept, and retried automatically. */
export function withExportPending(state: InstanceState, op: ExportPending['op'], feature: string, at: number): InstanceState {
  if (!state.online) return state;
  const kept = state.online.exportPending;
  // Already pending (a retry that failed again): kept as it is, logged once (the failure itself is logged apart).
  if (kept && kept.op === op && kept.feature === feature) return state;
  const pending = { op, feature, since: at };
  return withEvents(
    { ...state, online: { ...state.online, exportPending: pending } },
    event(
      at,
      'export-pending',
      `Export ${op} for ${feature} did not reach License Central: it is retried automatically (license smart export cancel stops it).`,
    ),
  );
}

/** A call License Central answered with a refusal (no license left, not permitted): its operation is no longer pending. */
export function withoutPending(state: InstanceState, op: ExportPending['op'], feature: string): InstanceState {
  const p = exportPendingOf(state);
  if (!state.online || !p || p.op !== op || p.feature !== feature) return state;
  return { ...state, online: { ...state.online, exportPending: null } };
}

/** `license smart export cancel`: the automatic retry stopped (what License Central already did stays, and shows at its next answer). */
export function cancelExportPending(state: InstanceState, at: number): { state: InstanceState; cancelled: ExportPending } {
  const pending = exportPendingOf(state);
  if (!state.online || !pending)
    refuse('not-allowed', 'No export request or return is waiting to be retried: there is nothing to cancel.', 'See `slr show license status`.');
  const next = { ...state, online: { ...state.online, exportPending: null } };
  return {
    state: withEvents(next, event(at, 'export-cancel', `Automatic retry of the export ${pending.op} for ${pending.feature} cancelled.`)),
    cancelled: pending,
  };
}

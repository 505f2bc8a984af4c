/**
 * The device's state at rest, from the CLI: `slr backup --out FILE`, `slr restore FILE [--force]` (a backup
 * carries no reservation: shared/instance/backup.ts) and `slr recover [--trust FILE]...` (a state that fails
 * its seal, made usable again: instance-recovery.ts).
 */
import { basename } from 'node:path';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { AFTER_RESTORE } from '../../../shared/instance/backup.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { outputTarget, readCodeFile } from '../../platform/files.ts';
import type { InstanceService } from '../../device/instance-service.ts';
import type { CliContext } from './instance-cli.ts';

/** `slr backup --out FILE|DIR`: the state without reservation and registration, 0600 (in a directory: a dated name). */
export async function backupCommand(service: InstanceService, out: string, ctx: CliContext): Promise<void> {
  const target = outputTarget(out)(`product-instance-backup-${new Date(ctx.now).toISOString().replace(/[-:]|\.\d+/g, '')}.json`);
  const state = await service.backup(target, ctx.now);
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, file: target, events: state.events.length }));
  ctx.io.out(
    [
      `Backup written to ${target} (mode 0600; ${state.events.length} events).`,
      'It carries no reservation and no online registration: restored (`slr restore FILE`), the device asks License Central for its licenses again.',
      'It holds the device key: keep it like the device itself.',
    ].join('\n'),
  );
}

/** `slr restore FILE [--force]`. */
export async function restoreCommand(service: InstanceService, source: string, force: boolean, ctx: CliContext): Promise<void> {
  const r = await service.restore(source, ctx.now, force);
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, madeAt: r.madeAt, replaced: r.replaced, events: r.state.events.length }));
  ctx.io.out(
    [
      `Restored from the backup made ${formatInstant(r.madeAt)}: the UDI, the device key, the trusted keys and the log up to the backup (the restore is its last event).`,
      r.replaced ? `The state it replaced is set aside as ${r.replaced}.` : null,
      'No reservation is installed and evaluation is over.',
      AFTER_RESTORE,
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

/** `slr recover [--trust FILE]...`: a state that fails its seal, recovered (instance-recovery.ts). */
export async function recoverCommand(service: InstanceService, trustFiles: readonly string[], ctx: CliContext): Promise<void> {
  const trust = trustFiles.map((file) => ({ text: readCodeFile(file, LIMITS.keyFileBytes), label: basename(file) }));
  const r = await service.recover(ctx.now, trust);
  const keys = r.state.trustedKeys.map((k) => k.id);
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, problem: r.problem, trustedKeys: keys, reservationKept: r.reservationKept }));
  ctx.io.out(
    [
      `Recovered: the state had been changed outside SLR Desk (${r.problem}).`,
      'Kept: the UDI, the device key, usage and the event log (the recovery is its last event). Evaluation is over.',
      keys.length ? `Trusted License Central keys: ${keys.join(', ')}` : 'No License Central key is trusted: `slr license trust add <file>` provisions one.',
      r.reservationKept
        ? 'The installed reservation was kept: its code verifies with the keys provisioned again.'
        : 'No reservation is installed now: License Central still holds what it reserved for this device (rehost or remove it there).',
      'Registered online before? Register again from this device (`license smart register idtoken TOKEN force`).',
    ].join('\n'),
  );
}

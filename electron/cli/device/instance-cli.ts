/** The product-instance side of `slr`: the seeds' `license smart reservation …` and `show license …`. */
import { deviceExpiring } from '../../../shared/instance/expiring.ts';
import { counted } from '../../../shared/lifetime.ts';
import { exportKeyText } from '../../../shared/export-control.ts';
import { SECURITY_MODES } from '../../../shared/instance/security.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { instanceEventsCsv } from '../../../shared/events.ts';
import type { Outcome } from '../../../shared/instance/rules.ts';
import type { InstanceState } from '../../../shared/instance/state.ts';
import { deriveStatus, type InstanceStatus } from '../../../shared/instance/status.ts';
import {
  describeEvaluation,
  describeOverage,
  describeUnacknowledged,
  describeUsageReports,
  describeValidity,
  reportingOf,
} from '../../../shared/instance/status-text.ts';
import type { InstanceService } from '../../device/instance-service.ts';
import { table, UsageError, verifyLog, type Io } from '../output.ts';
import { toCsv } from '../../../shared/csv.ts';
import { refuse } from '../../../shared/errors.ts';
import { codeFileName, readCodeFile } from '../../platform/files.ts';
import { basename } from 'node:path';
import { LIMITS } from '../../../shared/limits.ts';
import type { OutputFile } from '../output-files.ts';
import { describeTransport, transportView } from '../../device/online-settings.ts';

export interface CliContext {
  readonly io: Io;
  readonly json: boolean;
  readonly now: number;
}

export function printOutcome(o: Outcome, ctx: CliContext, service: InstanceService, out: OutputFile | null = null): void {
  for (const w of o.warnings ?? []) ctx.io.err(`WARNING: ${w}`);
  const s = service.status(ctx.now);
  const file = out && o.issued ? out.write(codeFileName(s.sn, o.issued.kind), o.issued.code, 'slr show license reservation (it shows the last codes)') : null;
  if (out && !o.issued) ctx.io.err('No code was issued by this command, so no file was written.');
  if (ctx.json) {
    ctx.io.out(
      JSON.stringify({
        ok: true,
        message: o.message,
        issued: o.issued ?? null,
        file,
        registration: s.registration,
        authorization: s.authorization,
        warnings: o.warnings ?? [],
      }),
    );
    return;
  }
  // A code goes alone on stdout (`slr … request > request.txt` makes a file License Central accepts);
  // what to do with it goes on stderr.
  if (o.issued && file) {
    // The message introduces the code ("…:"): the code is in the file, so say where instead of a dangling colon.
    ctx.io.err(`${o.message.replace(/:\s*$/, '')}: written to ${file}.`);
  } else if (o.issued) {
    ctx.io.err(o.message);
    ctx.io.out(o.issued.code);
  } else {
    ctx.io.out(o.message);
  }
}

/** `slr init --pid UCM|CUC|SME [--trust FILE]...`: the product instance, provisioned with License Central's key files. */
export async function initCommand(service: InstanceService, pid: string, trustFiles: readonly string[], ctx: CliContext): Promise<void> {
  const trust = trustFiles.map((file) => ({ text: readCodeFile(file, LIMITS.keyFileBytes), label: basename(file) }));
  const state = await service.init(pid, ctx.now, trust);
  const s = service.status(ctx.now);
  const keys = state.trustedKeys.map((k) => k.id);
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, udi: s.udi, product: state.product, dir: service.dir, trustedKeys: keys }));
  const trusted = keys.length
    ? `Trusted License Central key${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`
    : 'No License Central key trusted yet: the first `slr license trust add <file>` provisions it.';
  ctx.io.out(`Product instance created in ${service.dir}\nUDI: ${s.udi}\n${trusted}`);
}

/** `show license events --verify`: checked without loading the state (which a changed log would stop). */
export const isLogCheck = (rest: readonly string[]) => rest[0] === 'show' && rest[2] === 'events' && rest.includes('--verify');

/** `slr license trust list [--csv]`: the keys this device accepts. */
export function listTrustedKeys(service: InstanceService, ctx: CliContext, csv = false): void {
  const keys = service.load().trustedKeys;
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, trustedKeys: keys.map(({ id, label, addedAt }) => ({ id, label, addedAt })) }));
  const rows = keys.map((k) => [k.id, k.label, formatInstant(k.addedAt)]);
  ctx.io.out(tableOrCsv(csv, ['Key id', 'Label', 'Added'], rows, 'No License Central key is trusted yet.'));
}

const SHOW_FLAGS: Readonly<Record<string, readonly string[]>> = { usage: ['--csv'], reservation: ['--csv'], events: ['--csv', '--verify'] };

/** Smart Licensing online: where the instance is registered, its periods, its last contact. */
function onlineLines(s: InstanceStatus): string[] {
  const o = s.online?.link;
  if (!o) return [];
  return [
    `Smart Licensing: registered with ${o.server}, virtual account "${o.account}" (registration ${o.instance}, token ${o.tokenId})`,
    `Registration Expires: ${formatInstant(o.registrationExpires)}`,
    `Authorization Expires: ${formatInstant(o.authorizationExpires)}`,
    `Last Usage Report: ${o.lastUsageReport === null ? 'never' : formatInstant(o.lastUsageReport)}${o.compliance ? ` (${o.compliance.status})` : ''}`,
    `Compliance As Of: ${s.online?.asOf ? formatInstant(s.online.asOf) : 'never answered'}`,
    ...(describeUnacknowledged(s) ? [`Not Yet Acknowledged: ${describeUnacknowledged(s)}`] : []),
    ...(o.lastFailure ? [`Last Communication Attempt: FAILED ${formatInstant(o.lastFailure.at)}, ${o.lastFailure.operation}: ${o.lastFailure.message}`] : []),
  ];
}

function statusLines(s: InstanceStatus, state: InstanceState): string[] {
  const evaluation = describeEvaluation(s);
  const lines = [
    `Product: ${s.product.name} (${s.product.id})`,
    `UDI: ${s.udi}`,
    `License Reservation: ${s.reservationEnabled ? 'ENABLED' : 'DISABLED'}`,
    `Registration Status: ${s.registration}`,
    `Authorization Status: ${s.authorization}`,
    `Evaluation Period: ${evaluation[0]!.toLowerCase()}${evaluation.slice(1)}`,
  ];
  const overage = describeOverage(s);
  if (overage) lines.push(`Overage: ${overage}`);
  lines.push(...onlineLines(s));
  lines.push(`Export-Controlled Functionality: ${s.exportControlled.allowed ? 'Allowed' : 'Not Allowed'} (${s.exportControlled.reason})`);
  for (const k of state.online?.exportKeys ?? [])
    lines.push(`Export Authorization Key: ${k.feature} ${exportKeyText(k)} (granted ${formatInstant(k.grantedAt)})`);
  const pending = state.online?.exportPending;
  if (pending)
    lines.push(
      `Export ${pending.op} for ${pending.feature}: PENDING since ${formatInstant(pending.since)}, retried automatically (license smart export cancel stops it)`,
    );
  lines.push(`Enforcement: ${s.enforcement.active ? `ACTIVE. ${s.enforcement.reason}` : 'none'}`);
  const c = state.cluster;
  if (c?.role === 'subscriber')
    lines.push(
      `Cluster: subscriber "${c.name}" of ${c.publisherUdi} (${c.publisher}), last contact ${formatInstant(c.lastContact)}; the licensing status as of then: ${c.snapshot ? `${c.snapshot.registration}, ${c.snapshot.authorization}` : 'none yet'}`,
    );
  if (c?.role === 'publisher') lines.push(`Cluster: publisher of ${c.nodes.length} subscriber(s); usage counts the whole cluster's`);
  const mode = SECURITY_MODES[state.product];
  lines.push(`Security: ${mode.what} ${state.security?.enabled ? `ENABLED since ${formatInstant(state.security.since)}` : 'disabled'}`);
  for (const a of (state.alarms ?? []).filter((x) => x.clearedAt === null))
    lines.push(`ALARM ${a.name} (${a.severity}, ${formatInstant(a.raisedAt)}): ${a.text}`);
  lines.push(`Transport: ${describeTransport(state.transport)}`);
  lines.push(`Privacy: the host name is ${state.privacy.hostname ? 'not shared' : 'shared'} with License Central`);
  for (const w of state.witness ?? [])
    lines.push(
      `License Central checkpoint: ${counted(w.events, 'event')} in its log (key ${w.keyId}, head ${w.head.slice(0, 12)}…), first seen ${formatInstant(w.at)}`,
    );
  lines.push(...describeUsageReports(reportingOf(state)));
  for (const e of deviceExpiring(s, state, s.clock.effective))
    lines.push(`Expiring: ${e.what} ${formatInstant(e.at)} (${counted(e.daysLeft, 'day')} left${e.notice ? `; the ${e.notice}-day notice` : ''})`);
  if (s.clock.behindMs) {
    lines.push(
      `WARNING: the device clock is ${Math.round(s.clock.behindMs / 60_000)} minutes behind the latest time seen (${formatInstant(s.clock.effective)}); the latest time seen is used.`,
    );
  }
  return lines;
}

/** What `show license status --json` adds to the status: the dates that run out, License Central's checkpoints seen. */
const statusExtras = (s: InstanceStatus, state: InstanceState) => ({
  expiring: deviceExpiring(s, state, s.clock.effective),
  checkpoints: state.witness ?? [],
  usageReports: reportingOf(state),
});

/** A table as aligned text, or as CSV (RFC 4180, header row first) with --csv. */
function tableOrCsv(csv: boolean, header: readonly string[], rows: readonly (readonly (string | number)[])[], none: string): string {
  if (csv)
    return toCsv(
      header,
      rows.map((r) => r.map((c) => (c === '-' ? '' : c))),
    ).trimEnd();
  return rows.length ? table(header, rows) : none;
}

function usageTable(s: InstanceStatus, csv = false): string {
  return tableOrCsv(
    csv,
    ['License', 'In Use', 'Reserved', 'Valid Until', 'Status'],
    // The table says "Expired" or the days left beside a TERM's end; the CSV keeps the bare date for scripts.
    s.usage.map((u) => [
      u.short,
      u.inUse,
      u.reserved,
      !csv && u.termEndsAt !== null ? describeValidity(u, s) : u.validUntil || (u.licenseType ? 'perpetual' : '-'),
      u.status,
    ]),
    'No licenses in use or reserved.',
  );
}

function entitlementsCsv(s: InstanceStatus): string {
  return tableOrCsv(
    true,
    ['License', 'Tag', 'Count', 'Type', 'Start', 'End'],
    (s.installed?.entitlements ?? []).map((e) => [e.displayName, e.tag, e.count, e.licenseType, e.startDate, e.endDate]),
    '',
  );
}

function reservationLines(state: InstanceState, s: InstanceStatus): string[] {
  const lines = [`UDI: ${s.udi}`, `Registration Status: ${s.registration}`];
  if (s.installed) {
    lines.push(
      `Installed reservation: ${s.installed.piid}, issued ${formatInstant(Number(s.installed.timestamp))}, signed by key ${s.installed.signerKeyId}, installed ${formatInstant(s.installed.installedAt)}`,
    );
    lines.push(
      table(
        ['License', 'Count', 'Type', 'Start', 'End'],
        s.installed.entitlements.map((e) => [e.displayName, e.count, e.licenseType, e.startDate || '-', e.endDate || '-']),
      ),
    );
  } else {
    lines.push('Installed reservation: none');
  }
  const issued = (label: string, c: InstanceState['lastRequest']) => lines.push(`${label}: ${c ? `${c.code} (${formatInstant(c.at)})` : 'none'}`);
  issued('Last request code', state.lastRequest);
  issued('Last confirmation code', state.lastConfirmation);
  issued('Last return code', state.lastReturn);
  return lines;
}

export async function showCommand(service: InstanceService, args: readonly string[], ctx: CliContext): Promise<void> {
  const [what, detail, ...rest] = args;
  if (what !== 'license' || !detail) throw new UsageError('Usage: slr show license status | udi | reservation | usage | summary | events');
  const wrong = rest.find((f) => !(SHOW_FLAGS[detail] ?? []).includes(f));
  if (wrong)
    throw new UsageError(`show license ${detail} does not take "${wrong}". --csv goes with show license usage | reservation | events; --verify with events.`);
  const csv = rest.includes('--csv');
  if (detail === 'events' && rest.includes('--verify')) return verifyDeviceLog(service, ctx);
  // Reading the status reads the clock: the reading is recorded (time never goes back, even between reads).
  const state = await service.observe(ctx.now);
  if (state.deviceKey.privateKey.format !== 'pkcs8-pem')
    ctx.io.err("WARNING: the device key is sealed by the SLR Desk app: this command cannot check the state's seal; the app checks it at every start.");
  const s = deriveStatus(state, ctx.now);
  const json = (o: object) => ctx.io.out(JSON.stringify({ ok: true, ...o }));
  const plainStatus = {
    udi: s.udi,
    product: s.product.id,
    reservationEnabled: s.reservationEnabled,
    registration: s.registration,
    authorization: s.authorization,
    evaluation: s.evaluation,
    overage: s.overage,
    enforcement: s.enforcement,
    exportControlled: s.exportControlled,
    clock: s.clock,
    online: s.online && { ...s.online.link, certificate: undefined },
    transport: transportView(state.transport),
    privacy: state.privacy,
    security: state.security ?? { enabled: false, since: null },
    alarms: (state.alarms ?? []).filter((a) => a.clearedAt === null),
  };
  switch (detail) {
    case 'udi':
      return ctx.json ? json({ udi: s.udi }) : ctx.io.out(s.udi);
    case 'status':
      return ctx.json ? json({ ...plainStatus, ...statusExtras(s, state) }) : ctx.io.out(statusLines(s, state).join('\n'));
    case 'usage':
      return ctx.json ? json({ usage: s.usage }) : ctx.io.out(usageTable(s, csv));
    case 'summary':
      return ctx.json ? json({ ...plainStatus, usage: s.usage }) : ctx.io.out([...statusLines(s, state), '', usageTable(s)].join('\n'));
    case 'reservation':
      return ctx.json
        ? json({
            udi: s.udi,
            registration: s.registration,
            installed: s.installed,
            lastRequest: state.lastRequest,
            lastConfirmation: state.lastConfirmation,
            lastReturn: state.lastReturn,
          })
        : ctx.io.out(csv ? entitlementsCsv(s) : reservationLines(state, s).join('\n'));
    case 'events': {
      if (ctx.json) return json({ events: state.events });
      if (csv) return ctx.io.out(instanceEventsCsv(state.events));
      return ctx.io.out(state.events.map((e) => `${formatInstant(e.at)}  ${e.type.padEnd(20)}  ${e.message}`).join('\n'));
    }
    default:
      throw new UsageError(`Unknown: show license ${detail}. Use status | udi | reservation | usage | summary | events.`);
  }
}

/** The device's log: its chain, then its seal (events cut off at the end, or anything else changed outside SLR Desk). */
function verifyDeviceLog(service: InstanceService, ctx: CliContext): void {
  const log = service.logProblems();
  if (!log.broken && log.seal)
    refuse('log-tampered', `The event log's chain is intact, but the state was changed outside SLR Desk: ${log.seal}.`, 'Restore a backup, or `slr recover`.');
  verifyLog({ count: log.events.length, broken: log.broken }, (i) => log.events[i]!, ctx);
}

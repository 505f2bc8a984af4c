/**
 * The persisted product-instance state: its schema (checked on every load, so a damaged or hand-edited
 * file is refused with the field named) and the migrations from older schema versions.
 */
import { z } from 'zod/mini';
import { refuse } from '../errors.ts';
import { PRODUCTS } from '../catalog.ts';
import { isSaneTime } from '../codes/dates.ts';
import { MAX_CLOSED_RESERVATIONS, MAX_NOTICES_GIVEN, MAX_PENDING_REPORTS, REGISTRATION, SCHEMA_VERSION, type InstanceState } from './state.ts';
import { LIMITS } from '../limits.ts';
import { MAX_WITNESSES } from './witness.ts';
import '../schema-messages.ts';

// zod's mini build (tree-shaken: a tenth of the full one in the CLI's bundle, which every start loads).
const text = (max: number, min = 0) => z.string().check(...(min ? [z.minLength(min)] : []), z.maxLength(max));
const matching = (re: RegExp) => z.string().check(z.regex(re));
const count = (min: number, max?: number) => z.int().check(z.gte(min), ...(max === undefined ? [] : [z.lte(max)]));
const list = <T extends z.core.SomeType>(item: T, max: number) => z.array(item).check(z.maxLength(max));
const url = z.url().check(z.maxLength(500));

const ms = z.int();
/** A moment this system can have lived through (years 2000-2999). */
const instant = ms.check(z.refine(isSaneTime, 'a time between the years 2000 and 2999'));
const hex16 = matching(/^[0-9a-f]{16}$/);
const decimalId = matching(/^[0-9]{1,15}$/);
const nonce = z.nullable(hex16);
const piid = matching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const sealed = z.discriminatedUnion('format', [
  z.strictObject({ format: z.literal('pkcs8-pem'), value: text(4096) }),
  z.strictObject({ format: z.literal('safe-storage'), value: text(8192) }),
]);
const fingerprint = matching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
const counts = z.record(text(200), count(0, LIMITS.maxCount));
const usageReports = z.strictObject({
  piid,
  seq: count(1),
  pending: list(z.strictObject({ seq: count(1), at: ms, hash: matching(/^[0-9a-f]{64}$/) }), MAX_PENDING_REPORTS),
  acked: z.nullable(
    z.strictObject({
      seq: count(1),
      reportAt: ms,
      at: ms,
      keyId: hex16,
      over: list(z.strictObject({ tag: text(200), inUse: count(0), reserved: count(0) }), 500),
      missing: count(0),
      importedAt: ms,
    }),
  ),
});
const online = z.nullable(
  z.strictObject({
    server: url,
    fingerprint,
    certificate: text(20_000),
    instance: decimalId,
    seq: count(0),
    account: text(100),
    tokenId: hex16,
    registeredAt: ms,
    registrationExpires: ms,
    authorizationExpires: ms,
    exportControlled: z.boolean(),
    identity: z.strictObject({ keyId: hex16, signature: text(200) }),
    lastUsageReport: z.nullable(ms),
    reportedUsage: counts,
    compliance: z.nullable(
      z.strictObject({
        status: z.enum(['No Licenses in Use', 'Authorized', 'Out of Compliance']),
        shortfalls: list(z.strictObject({ tag: text(200), inUse: count(0), available: z.int() }), 100),
        at: ms,
      }),
    ),
    lastFailure: z.nullable(z.strictObject({ at: ms, operation: text(64), message: text(4096), attempts: z.optional(count(1, 1_000_000)) })),
    exportKeys: z.optional(list(z.strictObject({ feature: text(100), grant: decimalId, grantedAt: ms, keyId: hex16, signature: text(200) }), 16)),
    exportPending: z.optional(z.nullable(z.strictObject({ op: z.enum(['request', 'return']), feature: text(100), since: ms }))),
  }),
);
const transport = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('direct') }),
  z.strictObject({ mode: z.literal('gateway'), url }),
  z.strictObject({ mode: z.literal('proxy'), host: text(253, 1), port: count(1, 65535), user: z.nullable(text(200)), password: z.nullable(sealed) }),
]);
const nodeName = matching(/^[a-z0-9][a-z0-9-]{0,31}$/);
const deviceKeyText = matching(/^[A-Za-z0-9+/]{44}$/);
const cluster = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.literal('publisher'),
    nodes: list(z.strictObject({ name: nodeName, publicKey: deviceKeyText, joinedAt: ms, lastContact: ms, usage: counts, seq: count(0) }), 64),
    joins: list(z.strictObject({ name: nodeName, secretHash: matching(/^[0-9a-f]{64}$/), expiresAt: ms }), 64),
  }),
  z.strictObject({
    role: z.literal('subscriber'),
    name: nodeName,
    publisher: url,
    publisherKey: deviceKeyText,
    publisherUdi: text(200),
    joinedAt: ms,
    lastContact: ms,
    seq: count(0),
    snapshot: z.nullable(z.strictObject({ at: ms, registration: text(100), authorization: text(100), usage: counts })),
  }),
]);
const issued = z.nullable(z.strictObject({ code: text(200), at: ms, piid: z.optional(z.string()), timestamp: z.optional(z.string()) }));

export const instanceStateSchema = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION),
    product: z.enum(PRODUCTS.map((p) => p.id) as [string, ...string[]]),
    uuid: piid,
    createdAt: ms,
    deviceKey: z.strictObject({ publicKey: deviceKeyText, privateKey: sealed }),
    trustedKeys: list(z.strictObject({ id: hex16, publicKey: text(4096), label: text(200), addedAt: ms }), 100),
    reservationEnabled: z.boolean(),
    registration: z.enum([REGISTRATION.unregistered, REGISTRATION.inProgress, REGISTRATION.registered]),
    installed: z.nullable(z.strictObject({ code: text(LIMITS.authorizationCodeChars), signerKeyId: z.string(), installedAt: ms })),
    reservation: z.nullable(z.strictObject({ nonce, piid, requestedAt: instant, lastTimestamp: decimalId })),
    closedReservations: list(
      z.strictObject({ nonce, piid, how: z.enum(['returned', 'returned-unused', 'cancelled', 'restored']), at: instant }),
      MAX_CLOSED_RESERVATIONS,
    ),
    lastRequest: issued,
    lastConfirmation: issued,
    lastReturn: issued,
    usage: z.record(text(200), count(1, LIMITS.maxCount)),
    evaluation: z.strictObject({ startedAt: z.nullable(ms), usedMs: count(0) }),
    overage: z.strictObject({ usedMs: count(0) }),
    clock: z.strictObject({ highWater: instant, accountedTo: instant, rollbacks: count(0), behind: z.boolean() }),
    events: z.array(z.strictObject({ at: ms, type: text(64), message: text(4096), hash: z.optional(matching(/^[0-9a-f]{64}$/)) })),
    online,
    transport,
    privacy: z.strictObject({ hostname: z.boolean() }),
    security: z.optional(z.strictObject({ enabled: z.boolean(), since: ms })),
    alarms: z.optional(
      list(
        z.strictObject({ name: text(100), severity: z.enum(['Critical', 'Error', 'Warning']), text: text(2000), raisedAt: ms, clearedAt: z.nullable(ms) }),
        50,
      ),
    ),
    cluster: z.optional(cluster),
    sipTrunks: z.optional(list(z.strictObject({ name: text(100, 1), secure: z.boolean(), addedAt: ms }), 1000)),
    witness: z.optional(list(z.strictObject({ keyId: hex16, events: count(0), head: matching(/^[0-9a-f]{64}$/), at: ms }), MAX_WITNESSES)),
    usageReports: z.optional(usageReports),
    noticesGiven: z.optional(list(text(400), MAX_NOTICES_GIVEN)),
  })
  .check(
    z.superRefine((s, ctx) => {
      if ((s.registration === REGISTRATION.registered) !== (s.installed !== null)) {
        ctx.addIssue({ code: 'custom', path: ['installed'], message: 'an installed code goes with, and only with, the Registered status' });
      }
      if ((s.registration === REGISTRATION.unregistered) !== (s.reservation === null)) {
        ctx.addIssue({
          code: 'custom',
          path: ['reservation'],
          message: 'a current reservation goes with, and only with, Reservation In Progress or Registered',
        });
      }
      if (s.online && (s.reservationEnabled || s.reservation)) {
        ctx.addIssue({ code: 'custom', path: ['online'], message: 'an online registration excludes license reservation' });
      }
    }),
  );

/** Upgrades a state of schema version N to N+1; indexed by N. */
export type Migrations = Readonly<Record<number, (old: Record<string, unknown>) => Record<string, unknown>>>;

/**
 * Schema 1 to 2: codes belong to one reservation. An installed reservation is kept, known by its piid (its
 * updates still install); a request in progress is dropped, since its request code (version 1) is no longer
 * read by License Central: the operator requests again. A clock saved outside the sane range is brought back
 * to the latest sane time the state holds.
 */
function fromSchema1(old: Record<string, unknown>): Record<string, unknown> {
  const { highestCodeTimestamp, ...rest } = old as Record<string, unknown> & { highestCodeTimestamp?: string };
  const installed = old.installed as { code: string; installedAt: number } | null;
  const events = (old.events ?? []) as { at: number; type: string; message: string }[];
  const clock = old.clock as { highWater: number; accountedTo: number; rollbacks: number };
  const sane = [old.createdAt as number, ...events.map((e) => e.at)].filter(isSaneTime);
  const latest = Math.max(...sane);
  const fix = (t: number) => (isSaneTime(t) ? t : latest);
  const at = fix(clock.highWater);
  const piidOf = (code: string) => /<piid>\s*([0-9a-fA-F-]{36})\s*<\/piid>/.exec(code)?.[1]?.toLowerCase() ?? '00000000-0000-0000-0000-000000000000';
  const dropped = !installed && old.registration === REGISTRATION.inProgress;
  const notes = [
    ...(dropped
      ? [
          {
            at,
            type: 'migrate',
            message: 'The reservation request in progress was made by an older SLR Desk; request again (its request code is no longer accepted).',
          },
        ]
      : []),
    ...(isSaneTime(clock.highWater)
      ? []
      : [{ at, type: 'migrate', message: `A saved clock outside the years 2000-2999 (${clock.highWater}) was set back to ${new Date(at).toISOString()}.` }]),
  ];
  return {
    ...rest,
    registration: dropped ? REGISTRATION.unregistered : old.registration,
    reservation: installed
      ? { nonce: null, piid: piidOf(installed.code), requestedAt: fix(installed.installedAt), lastTimestamp: highestCodeTimestamp ?? '0' }
      : null,
    closedReservations: [],
    clock: { highWater: at, accountedTo: fix(clock.accountedTo), rollbacks: clock.rollbacks, behind: false },
    events: [...events, ...notes],
  };
}

/** Schema 2 to 3: Smart Licensing online. Not registered online, direct transport, the host name shared. */
const fromSchema2 = (old: Record<string, unknown>): Record<string, unknown> => ({
  ...old,
  online: null,
  transport: { mode: 'direct' },
  privacy: { hostname: false },
});

/** Schema N to N+1, indexed by N. */
export const MIGRATIONS: Migrations = { 1: fromSchema1, 2: fromSchema2 };

export function migrate(raw: unknown, migrations: Migrations = MIGRATIONS, target = SCHEMA_VERSION): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) refuse('state-corrupt', 'The state file does not hold a JSON object.');
  let state = raw as Record<string, unknown>;
  let version = state.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    refuse('state-corrupt', `The state file has no valid schemaVersion (found ${JSON.stringify(version)}).`);
  }
  if (version > target) {
    refuse(
      'state-newer',
      `The state file was written by a newer SLR Desk (schema ${version}); this version reads schema ${target} at most.`,
      'Use the newer version of SLR Desk.',
    );
  }
  while (version < target) {
    const up = migrations[version];
    if (!up) refuse('state-corrupt', `No migration from schema ${version} to ${version + 1}.`);
    state = { ...up(state), schemaVersion: version + 1 };
    version += 1;
  }
  return state;
}

/** Migrates and validates a loaded state; refuses with the first offending field. */
export function validateInstanceState(raw: unknown, migrations: Migrations = MIGRATIONS): InstanceState {
  // Checked once per command: zod's compiled (JIT) validator costs more to build than it saves here.
  const result = instanceStateSchema.safeParse(migrate(raw, migrations), { jitless: true });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    refuse('state-corrupt', `The state file is damaged: ${issue.path.join('.') || '(root)'}: ${issue.message}.`, 'Restore it from a backup.');
  }
  return result.data as InstanceState;
}

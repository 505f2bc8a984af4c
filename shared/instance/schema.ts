/**
 * The persisted product-instance state: its schema (checked on every load, so a damaged or hand-edited
 * file is refused with the field named) and the migrations from older schema versions.
 */
import { z } from 'zod';
import { refuse } from '../errors.ts';
import { PRODUCTS } from '../catalog.ts';
import { isSaneTime } from '../codes/dates.ts';
import { MAX_CLOSED_RESERVATIONS, REGISTRATION, SCHEMA_VERSION, type InstanceState } from './state.ts';
import { LIMITS } from '../limits.ts';

const ms = z.number().int().finite();
/** A moment this system can have lived through (years 2000-2999). */
const instant = ms.refine(isSaneTime, 'a time between the years 2000 and 2999');
const nonce = z
  .string()
  .regex(/^[0-9a-f]{16}$/)
  .nullable();
const piid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const sealed = z.discriminatedUnion('format', [
  z.strictObject({ format: z.literal('pkcs8-pem'), value: z.string().max(4096) }),
  z.strictObject({ format: z.literal('safe-storage'), value: z.string().max(8192) }),
]);
const fingerprint = z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
const counts = z.record(z.string().max(200), z.number().int().min(0).max(LIMITS.maxCount));
const online = z
  .strictObject({
    server: z.string().url().max(500),
    fingerprint,
    certificate: z.string().max(20_000),
    instance: z.string().regex(/^[0-9]{1,15}$/),
    seq: z.number().int().min(0),
    account: z.string().max(100),
    tokenId: z.string().regex(/^[0-9a-f]{16}$/),
    registeredAt: ms,
    registrationExpires: ms,
    authorizationExpires: ms,
    exportControlled: z.boolean(),
    identity: z.strictObject({ keyId: z.string().regex(/^[0-9a-f]{16}$/), signature: z.string().max(200) }),
    lastUsageReport: ms.nullable(),
    reportedUsage: counts,
    compliance: z
      .strictObject({
        status: z.enum(['No Licenses in Use', 'Authorized', 'Out of Compliance']),
        shortfalls: z.array(z.strictObject({ tag: z.string().max(200), inUse: z.number().int().min(0), available: z.number().int() })).max(100),
        at: ms,
      })
      .nullable(),
    lastFailure: z
      .strictObject({ at: ms, operation: z.string().max(64), message: z.string().max(4096), attempts: z.number().int().min(1).max(1_000_000).optional() })
      .nullable(),
    exportKeys: z
      .array(
        z.strictObject({
          feature: z.string().max(100),
          grant: z.string().regex(/^[0-9]{1,15}$/),
          grantedAt: ms,
          keyId: z.string().regex(/^[0-9a-f]{16}$/),
          signature: z.string().max(200),
        }),
      )
      .max(16)
      .optional(),
    exportPending: z
      .strictObject({ op: z.enum(['request', 'return']), feature: z.string().max(100), since: ms })
      .nullable()
      .optional(),
  })
  .nullable();
const transport = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('direct') }),
  z.strictObject({ mode: z.literal('gateway'), url: z.string().url().max(500) }),
  z.strictObject({
    mode: z.literal('proxy'),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    user: z.string().max(200).nullable(),
    password: sealed.nullable(),
  }),
]);
const nodeName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/);
const deviceKeyText = z.string().regex(/^[A-Za-z0-9+/]{44}$/);
const cluster = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.literal('publisher'),
    nodes: z
      .array(z.strictObject({ name: nodeName, publicKey: deviceKeyText, joinedAt: ms, lastContact: ms, usage: counts, seq: z.number().int().min(0) }))
      .max(64),
    joins: z.array(z.strictObject({ name: nodeName, secretHash: z.string().regex(/^[0-9a-f]{64}$/), expiresAt: ms })).max(64),
  }),
  z.strictObject({
    role: z.literal('subscriber'),
    name: nodeName,
    publisher: z.string().url().max(500),
    publisherKey: deviceKeyText,
    publisherUdi: z.string().max(200),
    joinedAt: ms,
    lastContact: ms,
    seq: z.number().int().min(0),
    snapshot: z.strictObject({ at: ms, registration: z.string().max(100), authorization: z.string().max(100), usage: counts }).nullable(),
  }),
]);
const issued = z.strictObject({ code: z.string().max(200), at: ms, piid: z.string().optional(), timestamp: z.string().optional() }).nullable();

export const instanceStateSchema = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION),
    product: z.enum(PRODUCTS.map((p) => p.id) as [string, ...string[]]),
    uuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
    createdAt: ms,
    deviceKey: z.strictObject({
      publicKey: z.string().regex(/^[A-Za-z0-9+/]{44}$/),
      privateKey: sealed,
    }),
    trustedKeys: z
      .array(z.strictObject({ id: z.string().regex(/^[0-9a-f]{16}$/), publicKey: z.string().max(4096), label: z.string().max(200), addedAt: ms }))
      .max(100),
    reservationEnabled: z.boolean(),
    registration: z.enum([REGISTRATION.unregistered, REGISTRATION.inProgress, REGISTRATION.registered]),
    installed: z.strictObject({ code: z.string().max(LIMITS.authorizationCodeChars), signerKeyId: z.string(), installedAt: ms }).nullable(),
    reservation: z.strictObject({ nonce, piid, requestedAt: instant, lastTimestamp: z.string().regex(/^[0-9]{1,15}$/) }).nullable(),
    closedReservations: z
      .array(z.strictObject({ nonce, piid, how: z.enum(['returned', 'returned-unused', 'cancelled', 'restored']), at: instant }))
      .max(MAX_CLOSED_RESERVATIONS),
    lastRequest: issued,
    lastConfirmation: issued,
    lastReturn: issued,
    usage: z.record(z.string().max(200), z.number().int().min(1).max(LIMITS.maxCount)),
    evaluation: z.strictObject({ startedAt: ms.nullable(), usedMs: ms.min(0) }),
    overage: z.strictObject({ usedMs: ms.min(0) }),
    clock: z.strictObject({ highWater: instant, accountedTo: instant, rollbacks: z.number().int().min(0), behind: z.boolean() }),
    events: z.array(
      z.strictObject({
        at: ms,
        type: z.string().max(64),
        message: z.string().max(4096),
        hash: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .optional(),
      }),
    ),
    online,
    transport,
    privacy: z.strictObject({ hostname: z.boolean() }),
    security: z.strictObject({ enabled: z.boolean(), since: ms }).optional(),
    alarms: z
      .array(
        z.strictObject({
          name: z.string().max(100),
          severity: z.enum(['Critical', 'Error', 'Warning']),
          text: z.string().max(2000),
          raisedAt: ms,
          clearedAt: ms.nullable(),
        }),
      )
      .max(50)
      .optional(),
    cluster: cluster.optional(),
    sipTrunks: z
      .array(z.strictObject({ name: z.string().min(1).max(100), secure: z.boolean(), addedAt: ms }))
      .max(1000)
      .optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.registration === REGISTRATION.registered) !== (s.installed !== null)) {
      ctx.addIssue({ code: 'custom', path: ['installed'], message: 'an installed code goes with, and only with, the Registered status' });
    }
    if ((s.registration === REGISTRATION.unregistered) !== (s.reservation === null)) {
      ctx.addIssue({ code: 'custom', path: ['reservation'], message: 'a current reservation goes with, and only with, Reservation In Progress or Registered' });
    }
    if (s.online && (s.reservationEnabled || s.reservation)) {
      ctx.addIssue({ code: 'custom', path: ['online'], message: 'an online registration excludes license reservation' });
    }
  });

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

/**
 * The persisted product-instance state: its schema (checked on every load, so a damaged or hand-edited
 * file is refused with the field named) and the migrations from older schema versions.
 */
import { z } from 'zod';
import { refuse } from '../errors.ts';
import { PRODUCTS } from '../catalog.ts';
import { REGISTRATION, SCHEMA_VERSION, type InstanceState } from './state.ts';

const ms = z.number().int().finite();
const issued = z.strictObject({ code: z.string().max(200), at: ms, piid: z.string().optional(), timestamp: z.string().optional() }).nullable();

export const instanceStateSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  product: z.enum(PRODUCTS.map((p) => p.id) as [string, ...string[]]),
  uuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  createdAt: ms,
  deviceKey: z.strictObject({
    publicKey: z.string().regex(/^[A-Za-z0-9+/]{44}$/),
    privateKey: z.discriminatedUnion('format', [
      z.strictObject({ format: z.literal('pkcs8-pem'), value: z.string().max(4096) }),
      z.strictObject({ format: z.literal('safe-storage'), value: z.string().max(8192) }),
    ]),
  }),
  trustedKeys: z.array(z.strictObject({ id: z.string().regex(/^[0-9a-f]{16}$/), publicKey: z.string().max(4096), label: z.string().max(200), addedAt: ms })).max(100),
  reservationEnabled: z.boolean(),
  registration: z.enum([REGISTRATION.unregistered, REGISTRATION.inProgress, REGISTRATION.registered]),
  installed: z.strictObject({ code: z.string().max(1_048_576), signerKeyId: z.string(), installedAt: ms }).nullable(),
  highestCodeTimestamp: z.string().regex(/^[0-9]{1,15}$/),
  lastRequest: issued,
  lastConfirmation: issued,
  lastReturn: issued,
  usage: z.record(z.string().max(200), z.number().int().min(1).max(9_999_999)),
  evaluation: z.strictObject({ startedAt: ms.nullable(), usedMs: ms.min(0) }),
  overage: z.strictObject({ usedMs: ms.min(0) }),
  clock: z.strictObject({ highWater: ms, accountedTo: ms, rollbacks: z.number().int().min(0) }),
  events: z.array(z.strictObject({ at: ms, type: z.string().max(64), message: z.string().max(4096) })),
}).superRefine((s, ctx) => {
  if ((s.registration === REGISTRATION.registered) !== (s.installed !== null)) {
    ctx.addIssue({ code: 'custom', path: ['installed'], message: 'an installed code goes with, and only with, the Registered status' });
  }
});

/** Upgrades a state of schema version N to N+1; indexed by N. */
export type Migrations = Readonly<Record<number, (old: Record<string, unknown>) => Record<string, unknown>>>;

/** No migrations yet: schema 1 is the first. A future schema N+1 adds `N: (old) => new` here. */
export const MIGRATIONS: Migrations = {};

export function migrate(raw: unknown, migrations: Migrations = MIGRATIONS, target = SCHEMA_VERSION): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) refuse('state-corrupt', 'The state file does not hold a JSON object.');
  let state = raw as Record<string, unknown>;
  let version = state.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    refuse('state-corrupt', `The state file has no valid schemaVersion (found ${JSON.stringify(version)}).`);
  }
  if (version > target) {
    refuse('state-newer', `The state file was written by a newer SLR Desk (schema ${version}); this version reads schema ${target} at most.`, 'Use the newer version of SLR Desk.');
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
  const result = instanceStateSchema.safeParse(migrate(raw, migrations));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    refuse('state-corrupt', `The state file is damaged: ${issue.path.join('.') || '(root)'}: ${issue.message}.`, 'Restore it from a backup.');
  }
  return result.data as InstanceState;
}

/**
 * A satellite's own record of its place (meta 'satellite_role'): who it is at its parent, the parent's pinned
 * keys and how to reach it, the numbers of the files each way, what the parent holds of its events, and the
 * targets of its allocations (what it may hand out of each lot). A License Central without it stands alone or
 * is a parent. Written only inside the ledger's transactions.
 */
import { z } from 'zod';
import { refuse } from '../../../shared/errors.ts';
import { lotKeySchema, SATELLITE_MODES } from '../../../shared/authority/sync-file.ts';
import type { LedgerStore } from '../ledger/store.ts';

const roleSchema = z.strictObject({
  uid: z.string(),
  name: z.string(),
  smartAccount: z.string(),
  mode: z.enum(SATELLITE_MODES),
  intervalMinutes: z.number().int(),
  url: z.string().nullable(),
  fingerprint: z.string().nullable(),
  parentKeys: z.array(z.strictObject({ id: z.string(), publicKey: z.string() })),
  enrolledAt: z.number(),
  /** The last file this satellite wrote (up), and the last the parent said it applied. */
  upSeq: z.number().int(),
  upApplied: z.number().int(),
  /** The last parent file (down) applied here. */
  downSeq: z.number().int(),
  /** The events the parent holds (acknowledged): up to this id, ending with this hash. */
  eventsHeld: z.strictObject({ id: z.number().int(), hash: z.string().nullable() }),
  targets: z.array(lotKeySchema.extend({ target: z.number().int() })),
  lastSyncAt: z.number().nullable(),
  /** Connected mode: the last failed attempt's reason and when to try again. */
  lastError: z.string().nullable(),
  retryAt: z.number().nullable(),
  /** Connected mode: rounds failed in a row (the back-off grows with them). */
  failures: z.number().int().min(0).default(0),
  /** Connected mode: the enrolment reply not yet taken by the parent (sent again at the next round). */
  pendingReply: z.string().nullable().default(null),
});
export type SatelliteRole = z.infer<typeof roleSchema>;

const KEY = 'satellite_role';

export async function satelliteRole(c: LedgerStore): Promise<SatelliteRole | null> {
  const row = await c.get<{ value: string }>(`SELECT value FROM meta WHERE key = '${KEY}'`);
  if (!row) return null;
  const parsed = roleSchema.safeParse(JSON.parse(row.value));
  if (!parsed.success) refuse('state-corrupt', 'This License Central’s record of its parent is damaged.', 'Restore the ledger from a backup.');
  return parsed.data;
}

export async function saveRole(c: LedgerStore, role: SatelliteRole): Promise<void> {
  await c.run(`INSERT INTO meta (key, value) VALUES ('${KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, JSON.stringify(role));
}

/** Refuses, on a satellite, what its parent owns (purchases, accounts, moving licenses between accounts). */
export async function refuseOnSatellite(c: LedgerStore, what: string): Promise<void> {
  const role = await satelliteRole(c);
  if (role)
    refuse(
      'parent-owned',
      `This License Central is a satellite of "${role.smartAccount}": ${what} is its parent's to do (the parent owns purchases, virtual accounts and allocations).`,
      `Do it at the parent, then synchronise (\`slr authority sync ${role.mode === 'connected' ? 'now' : 'export'}\`).`,
    );
}

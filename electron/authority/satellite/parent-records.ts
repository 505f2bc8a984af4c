/** A parent License Central's records of its satellites: look-ups every parent-side operation starts from. */
import { refuse } from '../../../shared/errors.ts';
import { nameKey } from '../../../shared/text.ts';
import type { SatelliteMode } from '../../../shared/authority/sync-file.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { satelliteRole } from './role.ts';
import type { PinnedKey } from './sync-crypto.ts';

export interface SatelliteRow {
  readonly id: number;
  readonly uid: string;
  readonly name: string;
  readonly mode: SatelliteMode;
  readonly interval_minutes: number;
  readonly state: 'invited' | 'enrolled';
  readonly nonce_hash: string;
  readonly keys: string | null;
  readonly created_at: number;
  readonly enrolled_at: number | null;
  readonly last_sync_at: number | null;
  readonly up_seq: number;
  readonly down_seq: number;
  readonly down_applied: number;
  readonly events_id: number;
  readonly events_hash: string | null;
  readonly problem: string | null;
}

export const pinnedKeysOf = (s: SatelliteRow): PinnedKey[] => (s.keys ? (JSON.parse(s.keys) as PinnedKey[]) : []);

export async function findSatellite(c: LedgerStore, name: string): Promise<SatelliteRow> {
  const row = await c.get<SatelliteRow>('SELECT * FROM satellites WHERE name_key = ?', nameKey(name));
  if (!row) {
    const names = (await c.all<{ name: string }>('SELECT name FROM satellites ORDER BY name')).map((r) => r.name);
    refuse(
      'no-satellite',
      `No satellite is named "${name}".`,
      names.length ? `Satellites: ${names.join(', ')}.` : 'Add one with `slr authority satellite add NAME --out FILE`.',
    );
  }
  return row;
}

export async function satelliteByUid(c: LedgerStore, uid: string): Promise<SatelliteRow> {
  return (await c.get<SatelliteRow>('SELECT * FROM satellites WHERE uid = ?', uid)) ?? unknownSatellite();
}

/** The satellite a file says it is from (by name: a file is read only once its signature is checked). */
export async function satelliteNamed(c: LedgerStore, name: string): Promise<SatelliteRow> {
  return (await c.get<SatelliteRow>('SELECT * FROM satellites WHERE name_key = ?', nameKey(name))) ?? unknownSatellite();
}

export function unknownSatellite(): never {
  return refuse(
    'no-satellite',
    'This file is from a satellite this License Central does not know (never added here, or enrolled again since).',
    'Import it at the parent that added the satellite; a satellite enrolled again writes new files.',
  );
}

/** Refuses parent-side work on a License Central that is itself a satellite (one level: satellites have no satellites). */
export async function refuseUnlessParent(c: LedgerStore): Promise<void> {
  const role = await satelliteRole(c);
  if (role)
    refuse(
      'parent-owned',
      `This License Central is a satellite of "${role.smartAccount}": only a parent adds satellites and allocates to them.`,
      'Do it at the parent.',
    );
}

/** The digest of the numbered file `seq` of `kind` applied from `peer`, or null. */
export async function digestApplied(c: LedgerStore, peer: string, kind: 'up' | 'down', seq: number): Promise<string | null> {
  return (await c.get<{ digest: string }>('SELECT digest FROM sync_files WHERE peer = ? AND kind = ? AND seq = ?', peer, kind, seq))?.digest ?? null;
}

export async function recordApplied(c: LedgerStore, peer: string, kind: 'up' | 'down', seq: number, digest: string, now: number): Promise<void> {
  await c.run('INSERT INTO sync_files (peer, kind, seq, digest, applied_at) VALUES (?, ?, ?, ?, ?)', peer, kind, seq, digest, now);
}

/**
 * What completes the value of an option (`slr __complete` after `--account `, `--instance `, `--license `, …):
 * the fixed choices from the tables (products, roles, modes, the catalog's licenses), and, from the home's own
 * License Central ledger when there is one, its virtual accounts and its instances' serial numbers. Reading
 * the ledger never creates or changes anything; any failure completes nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCTS } from '../../shared/catalog.ts';
import { ROLE_NAMES } from '../../shared/authority/roles.ts';
import { AUTHORITY_DB } from '../platform/paths.ts';

const licenseNames = () => [...new Set(PRODUCTS.flatMap((p) => p.entitlements.filter((e) => e.reservable).map((e) => e.short)))].sort();

const FIXED: Readonly<Record<string, () => readonly string[]>> = {
  '--pid': () => PRODUCTS.map((p) => p.id),
  '--role': () => ROLE_NAMES,
  '--mode': () => ['disconnected', 'connected'],
  '--type': () => ['PERPETUAL', 'TERM'],
  '--tag': licenseNames,
  '--license': () => licenseNames().map((n) => `${n}=`),
};

/** The values of the home's ledger: its virtual accounts, its instances' serial numbers. */
async function fromLedger(home: string, option: string): Promise<string[]> {
  if (!existsSync(join(home, AUTHORITY_DB))) return [];
  const { openLedger } = await import('../authority/ledger.ts');
  const ledger = await openLedger({ dir: home, actor: 'completion' }, false);
  try {
    if (option === '--instance') return (await ledger.instances()).map((i) => i.sn);
    return await ledger.accounts();
  } finally {
    await ledger.close();
  }
}

const FROM_LEDGER = new Set(['--account', '--to', '--from', '--instance']);

/** The values that may complete `current` after `option`, or null when `option` takes none we know. */
export async function valueCompletions(option: string, current: string, home: string, authority: boolean): Promise<string[] | null> {
  let values: readonly string[] | undefined = FIXED[option]?.();
  if (!values && authority && FROM_LEDGER.has(option)) values = await fromLedger(home, option).catch(() => []);
  if (!values) return null;
  return values.filter((v) => v.startsWith(current)).sort();
}

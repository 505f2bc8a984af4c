/**
 * The steps of the schema's migrations that are more than SQL: data an older ledger holds, brought to what a
 * newer schema expects. Run by LedgerStore.migrate, inside its transaction, once per ledger.
 */
import { endorsementMessage } from '../../../shared/codes/key-file.ts';
import type { LedgerEvent } from '../../../shared/authority/views.ts';
import { ledgerEventFields } from '../../../shared/event-chain.ts';
import { nameKey } from '../../../shared/text.ts';
import { signMessage } from '../../platform/crypto.ts';
import { chainHash } from '../../platform/event-chain.ts';
import type { LedgerDb } from '../db/ledger-db.ts';

type Db = Pick<LedgerDb, 'all' | 'run' | 'exec'>;

/** Schema 2: every key after the first, made before endorsements existed, is endorsed by the key before it. */
export async function endorseUnendorsedKeys(c: Db): Promise<void> {
  const keys = await c.all<{ id: string; public_key: string; private_key: string }>(
    'SELECT id, public_key, private_key FROM signing_keys ORDER BY created_at, rowid',
  );
  for (const [i, k] of keys.entries()) {
    if (i === 0) continue;
    const by = keys[i - 1]!;
    await c.run(
      'INSERT INTO key_endorsements (key_id, endorser_id, signature) VALUES (?, ?, ?)',
      k.id,
      by.id,
      signMessage(by.private_key, endorsementMessage(k.public_key)),
    );
  }
}

/** Schema 4: the events logged before the chain existed are chained, in order. */
export async function chainEvents(c: Db): Promise<void> {
  let previous: string | null = null;
  for (const e of await c.all<LedgerEvent>('SELECT * FROM events ORDER BY id')) {
    const hash = chainHash(previous, ledgerEventFields(e));
    await c.run('UPDATE events SET hash = ? WHERE id = ?', hash, e.id);
    previous = hash;
  }
}

/** Schema 8: every virtual account's name_key, by the one case rule (shared/text.ts), and its index. */
export async function keyAccountNames(c: Db): Promise<void> {
  for (const a of await c.all<{ id: number; name: string }>('SELECT id, name FROM accounts'))
    await c.run('UPDATE accounts SET name_key = ? WHERE id = ?', nameKey(a.name), a.id);
  await c.exec('CREATE INDEX accounts_by_name_key ON accounts(name_key)');
}

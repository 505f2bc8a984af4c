// The server's idempotency records (electron/server/idempotency.ts): a change retried with the same key within
// IDEMPOTENCY_DAYS gets the first answer and is not done again; after that the key is forgotten (whether or not
// its record was deleted yet), so the retry is a new change; records older than that are deleted.
import { describe, expect, it } from 'vitest';
import { openLedger } from '../electron/authority/ledger.ts';
import { IDEMPOTENCY_DAYS, onceByKey } from '../electron/server/idempotency.ts';
import { scratchDirs } from './helpers/scratch.ts';

const T = Date.UTC(2026, 11, 1, 9);
const DAY = 86_400_000;
const dir = scratchDirs('slr-idempotency-');

describe('idempotency records', () => {
  it('answer a retry within their days with the first answer, and forget the key after them', async () => {
    const ledger = await openLedger({ dir: dir(), actor: 'test' }, true);
    try {
      await ledger.init('Idempotent', T);
      await ledger.addUser({ name: 'admin', role: 'smart-account-admin', password: 'a password long enough' }, T);
      const userId = Number((await ledger.store.db.get<{ id: number }>("SELECT id FROM users WHERE name = 'admin'"))!.id);
      let runs = 0;
      const change = (now: number, key = 'retried-key-1') =>
        onceByKey(ledger.store.db, { userId, key, operation: 'account-add', body: { name: 'X' }, now }, async () => ({ run: ++runs }));
      expect(await change(T)).toMatchObject({ status: 200, reply: { value: { run: 1 } } });
      expect(await change(T + (IDEMPOTENCY_DAYS * DAY) / 2)).toMatchObject({ status: 200, reply: { value: { run: 1 } } });
      expect(runs).toBe(1);
      // Past the days kept: a new change, answered anew (its old record not yet deleted: deleted at most hourly).
      expect(await change(T + IDEMPOTENCY_DAYS * DAY + 1)).toMatchObject({ status: 200, reply: { value: { run: 2 } } });
      expect(runs).toBe(2);
      // Another key two hours later deletes what is older than the days kept: only the newer record stays.
      await change(T + IDEMPOTENCY_DAYS * DAY + 2 * 3_600_000, 'another-key-2');
      const kept = await ledger.store.db.all<{ at: number }>('SELECT at FROM idempotency ORDER BY at');
      expect(kept.map((r) => Number(r.at))).toEqual([T + IDEMPOTENCY_DAYS * DAY + 1, T + IDEMPOTENCY_DAYS * DAY + 2 * 3_600_000]);
    } finally {
      await ledger.close();
    }
  });
});

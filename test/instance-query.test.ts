// The authority's list of product instances, a page at a time from the ledger: search, filters, sort, paging.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../electron/authority/ledger.ts';
import { populate } from './helpers/populate.ts';
import { checkInvariants, rawDb } from './helpers/ledger-audit.ts';
import { makeDevice } from './helpers/world.ts';

const T = Date.UTC(2026, 9, 1);

async function ledgerWith(count: number) {
  const ledger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-query-')), actor: 'test' }, true);
  await ledger.init('Acme', T);
  await populate(ledger, count, { accounts: ['Default', 'Lab'], at: T });
  return ledger;
}

describe('the instances, a page at a time', () => {
  it('pages, searches, filters and sorts in the ledger', async () => {
    const l = await ledgerWith(1000);
    const first = await l.instancePage({ limit: 50 });
    expect(first.total).toBe(1000);
    expect(first.rows).toHaveLength(50);
    const sns = first.rows.map((r) => r.sn);
    expect([...sns].sort()).toEqual(sns);
    const last = await l.instancePage({ limit: 50, offset: 980 });
    expect(last.rows).toHaveLength(20);
    // Two pages share no instance (piids are unique; random serial numbers may repeat).
    expect(new Set([...first.rows, ...last.rows].map((r) => r.piid)).size).toBe(70);

    const one = first.rows[7]!;
    expect((await l.instancePage({ search: one.udi })).rows.map((r) => r.piid)).toEqual([one.piid]);
    expect((await l.instancePage({ search: one.sn.toUpperCase() })).rows.map((r) => r.sn)).toContain(one.sn);
    expect((await l.instancePage({ search: 'lab', limit: 1 })).total).toBe(500);
    expect((await l.instancePage({ account: 'Lab', limit: 1 })).total).toBe(500);
    expect((await l.instancePage({ only: 'locked', limit: 200 })).rows.every((r) => r.locked)).toBe(true);
    expect((await l.instancePage({ only: 'locked', limit: 1 })).total).toBe(Math.floor(1000 / 97));
    const moving = await l.instancePage({ only: 'in-transition', limit: 200 });
    expect(moving.total).toBe(Math.floor(1000 / 101));
    expect(moving.rows.every((r) => r.inTransition.UCM_Enhanced === 1 && r.reserved.UCM_Enhanced === 1)).toBe(true);
    const latest = await l.instancePage({ sort: 'last-contact', descending: true, limit: 3 });
    expect(latest.rows.map((r) => r.lastContact)).toEqual([T + 999_000, T + 998_000, T + 997_000]);
    // Serial numbers and UUIDs by their start; exactly, from a UDI's S: or U: part; accounts by any part.
    const bySn = await l.instancePage({ search: one.sn.slice(0, 3), limit: 200 });
    expect(bySn.rows.map((r) => r.sn)).toContain(one.sn);
    expect(bySn.rows.every((r) => r.sn.startsWith(one.sn.slice(0, 3)) || r.account.toLowerCase().includes(one.sn.slice(0, 3)))).toBe(true);
    const uuid = /U:([0-9a-f-]{36})/.exec(one.udi)![1]!;
    expect((await l.instancePage({ search: uuid.slice(0, 13) })).rows.map((r) => r.piid)).toEqual([one.piid]);
    expect((await l.instancePage({ search: uuid.toUpperCase() })).rows.map((r) => r.piid)).toEqual([one.piid]);
    expect((await l.instancePage({ search: `S:${one.sn}` })).rows.every((r) => r.sn === one.sn)).toBe(true);
    expect((await l.instancePage({ search: 'efaul', limit: 1 })).total).toBe(500);
    expect((await l.instancePage({ search: 'ucm', limit: 1 })).total).toBe(1000);
    expect((await l.instancePage({ search: 'no such thing' })).total).toBe(0);
    // Wildcards in a search are plain characters.
    expect((await l.instancePage({ search: '%' })).total).toBe(0);
    expect((await l.instancePage({ search: '_' })).total).toBe(0);
    await l.close();
  });

  it('answers a search from indexes, not by reading every instance', async () => {
    const l = await ledgerWith(200);
    const db = rawDb(l);
    const plan = (search: string) =>
      (
        db
          .prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM instances i JOIN accounts a ON a.id = i.account_id WHERE i.state = 'active' AND ${search}`)
          .all() as { detail: string }[]
      )
        .map((r) => r.detail)
        .join('; ');
    const where = (l2: string) => `i.id IN (SELECT id FROM instances WHERE state = 'active' AND ${l2})`;
    const sn = plan(
      `i.id IN (SELECT id FROM instances WHERE state = 'active' AND sn >= 'ab' AND sn < 'ab~' UNION SELECT id FROM instances WHERE state = 'active' AND account_id IN (1))`,
    );
    expect(sn).toMatch(/SEARCH instances USING (?:COVERING )?INDEX instances_sn \(sn>\? AND sn<\?\)/);
    expect(sn).toMatch(/SEARCH instances USING (?:COVERING )?INDEX instances_account/);
    expect(sn).not.toMatch(/SCAN (?:i|instances)\b/);
    expect(plan(where("uuid >= 'abcdef' AND uuid < 'abcdef~'"))).toMatch(/SEARCH instances USING (?:COVERING )?INDEX instances_active_uuid/);
    await l.close();
  });

  it("keeps each account's total as instances come, move and go, and the audit finds a total edited by hand", async () => {
    const l = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-query-')), actor: 'test' }, true);
    await l.init('Acme', T);
    await l.addAccount('Lab', T);
    for (const account of ['Default', 'Lab']) await l.addLicenses({ account, tag: 'UCM_Basic', count: 10 }, T);
    const key = await l.exportKey();
    const totals = async () => [(await l.instancePage({ limit: 1 })).total, (await l.instancePage({ account: 'Lab', limit: 1 })).total];
    const devices = [];
    for (const account of ['Default', 'Default', 'Lab']) {
      const d = makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]);
      d.run({ type: 'enable' }, T);
      const r = await l.reserve({ account, request: d.run({ type: 'request' }, T).issued!.code, licenses: { UCM_Basic: 2 } }, T + 1);
      d.run({ type: 'install', code: r.code }, T + 2);
      devices.push({ d, udi: `P:UCM,S:${d.udi.sn},U:${d.udi.uuid}` });
    }
    expect(await totals()).toEqual([3, 1]);
    await l.transfer({ instance: devices[0]!.udi, to: 'Lab' }, T + 3);
    expect(await totals()).toEqual([3, 2]);
    await l.remove({ instance: devices[2]!.udi, returnCode: devices[2]!.d.run({ type: 'return' }, T + 4).issued!.code }, T + 5);
    expect(await totals()).toEqual([2, 1]);
    // The filtered lists count what they find; the kept totals agree with them.
    expect((await l.instancePage({ search: 'lab', limit: 1 })).total).toBe(1);
    expect((await l.instancePage({ search: 'ucm', limit: 1 })).total).toBe(2);
    expect(await checkInvariants(l)).toEqual([]);
    // Someone with sqlite3 edits the kept total: the list shows it, the audit says it is not what is there.
    rawDb(l).prepare('UPDATE instance_counts SET active = active + 5 WHERE account_id = (SELECT id FROM accounts WHERE name = ?)').run('Lab');
    expect(await totals()).toEqual([7, 6]);
    expect((await checkInvariants(l)).join()).toMatch(/6 active instances kept in its count, 1 counted/);
    await l.close();
  });

  it('refuses a page that is too large or starts before the first, and an unknown account', async () => {
    const l = await ledgerWith(10);
    await expect(l.instancePage({ limit: 201 })).rejects.toMatchObject({ code: 'bad-count' });
    await expect(l.instancePage({ offset: -1 })).rejects.toMatchObject({ code: 'bad-count' });
    await expect(l.instancePage({ account: 'Nowhere' })).rejects.toMatchObject({ code: 'no-account' });
    await l.close();
  });
});

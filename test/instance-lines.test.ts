/**
 * What the instance list knows of each row beyond its counts (issue 25, items 5 and 15): the TERM licenses it
 * holds with the instant each stops being valid (so the list can say "TERM ENDED" when the device already
 * shows 0), and whether its latest code is an update waiting for its confirmation code (so "Enter
 * Confirmation Code" is offered only then). Through the real CLI on both sides.
 */
import { describe, expect, it } from 'vitest';
import { openLedger } from '../electron/authority/ledger.ts';
import { reservedSides } from './helpers/sides.ts';
import { termEndsAt } from '../shared/lifetime.ts';

const T = Date.UTC(2026, 4, 4, 9);

async function line(auth: string, sn: string) {
  const l = await openLedger({ dir: auth, actor: 'test' });
  try {
    const rows = (await l.instancePage({ search: sn })).rows.filter((r) => r.sn === sn);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  } finally {
    await l.close();
  }
}

describe('instance lines', () => {
  it('carry TERM holdings with their end, and an unconfirmed update until its confirmation code', async () => {
    const s = reservedSides('lines', T, { purchased: 4, reserved: 2 });
    let row = await line(s.auth, s.sn);
    expect([row.terms, row.awaitingConfirmation]).toEqual([[], false]);

    expect(
      s.a('license', 'add', '--account', 'Default', '--tag', 'UCM_Enhanced', '--count', '3', '--type', 'TERM', '--start', '2026-05-01', '--end', '2026-08-31')
        .status,
    ).toBe(0);
    const update = s.a('update', '--instance', s.sn, '--license', 'UCM_Basic=1', '--license', 'UCM_Enhanced=2');
    expect(update.status, update.stderr).toBe(0);
    row = await line(s.auth, s.sn);
    expect(row.terms).toEqual([{ short: 'UCM_Enhanced', count: 2, endsAt: termEndsAt(Date.UTC(2026, 7, 31)) }]);
    expect(row.terms[0]!.endsAt - Date.UTC(2026, 8, 1)).toBe(0);
    expect(row.awaitingConfirmation).toBe(true);

    const installed = s.d('license', 'smart', 'reservation', 'install', update.stdout.trim());
    expect(installed.status, installed.stderr).toBe(0);
    const confirmation = /[0-9A-Z]{5}(?:-[0-9A-Z]{1,5})+/.exec(installed.stdout)![0];
    expect(s.a('confirm', '--instance', s.sn, confirmation).status).toBe(0);
    row = await line(s.auth, s.sn);
    expect(row.awaitingConfirmation).toBe(false);
    expect(row.reserved).toEqual({ UCM_Basic: 1, UCM_Enhanced: 2 });
    // An update that only adds licenses also waits for its confirmation code (the device's proof it runs it).
    expect(s.a('update', '--instance', s.sn, '--license', 'UCM_Basic=2', '--license', 'UCM_Enhanced=2').status).toBe(0);
    expect((await line(s.auth, s.sn)).awaitingConfirmation).toBe(true);
  });
});

/**
 * A long event log, as an operator reads it: `show events` lists the latest events (10,000 at most, --limit
 * fewer), oldest first, says on stderr when older ones are left out and how to page to them (--before), and
 * refuses a bad page; `--csv` alone and the app's export hold the whole log; the app's Event Log shows the latest 2,000.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppApi, dispatch } from '../electron/app/api.ts';
import { openLedger } from '../electron/authority/ledger.ts';
import { slr } from './helpers/cli.ts';
import { refused } from './helpers/refused.ts';
import { startServer } from './helpers/server.ts';

const T = Date.UTC(2026, 5, 1);
/** Events logged beyond what init logs: more than one page of the CLI's (10,000). */
const LOGGED = 10_050;

async function longLog() {
  const home = mkdtempSync(join(tmpdir(), 'slr-events-'));
  const dir = join(home, 'lc');
  const saved = join(home, 'events.csv');
  let now = T;
  const api = createAppApi({
    dir,
    now: () => (now += 1000),
    clipboard: { writeText: () => undefined },
    dialogs: { open: async () => null, save: async () => saved },
  });
  const call = async (method: string, ...args: unknown[]) => (await dispatch(api, method, args)) as { ok: boolean; value?: unknown };
  expect((await call('authorityInit', 'Acme')).ok).toBe(true);
  const ledger = await openLedger({ dir, actor: 'test' }, false);
  try {
    await ledger.addAccount('Lab', (now += 1000));
    await ledger.store.write((now += 1000), async () => {
      for (let i = 1; i <= LOGGED; i++) await ledger.store.log(now, 'test', `event ${i}`, { account: i % 2 ? 'Lab' : 'Default' });
    });
  } finally {
    await ledger.close();
  }
  type Listed = { id: number; message: string; account: string | null }[];
  const cli = (...args: string[]) => slr(dir, ['authority', ...args], (now += 1000));
  const listed = (...args: string[]) => {
    const r = cli('--json', 'show', 'events', ...args);
    expect(r.status, r.stderr).toBe(0);
    return { events: r.json<{ events: Listed }>().events, note: r.stderr.trim() };
  };
  return { call, cli, listed, saved };
}

describe('a long event log', () => {
  it('lists its latest events, pages back with --before, and exports all of it from the app', async () => {
    const { call, cli, listed, saved } = await longLog();
    const latest = listed();
    expect(latest.events).toHaveLength(10_000);
    expect(latest.events.at(-1)!.message).toBe(`event ${LOGGED}`);
    expect(latest.events[0]!.message).toBe(`event ${LOGGED - 9_999}`);
    expect(latest.events.map((e) => e.id)).toEqual([...latest.events.map((e) => e.id)].sort((a, b) => a - b));
    const first = latest.events[0]!.id;
    expect(latest.note).toBe(`The latest 10000 events are listed; older ones: add --before ${first}.`);

    // Back a page of 40: the 40 before, then what is left (init's events and the first ones), with no note.
    const back = listed('--limit', '40', '--before', String(first));
    expect(back.events.map((e) => e.id)).toEqual(Array.from({ length: 40 }, (_, i) => first - 40 + i));
    expect(back.note).toMatch(/^The latest 40 events are listed; older ones: add --before \d+\.$/);
    const rest = listed('--before', String(back.events[0]!.id));
    expect(rest.events.length).toBeGreaterThan(10);
    expect(rest.events[0]!.id).toBe(1);
    expect(rest.note).toBe('');
    // A virtual account's page: its own events (and the whole smart account's; the last ones are Lab's odd ones).
    const lab = listed('--account', 'Lab', '--limit', '3');
    expect(lab.events.map((e) => e.message)).toEqual([LOGGED - 5, LOGGED - 3, LOGGED - 1].map((n) => `event ${n}`));
    // The CSV of a page is that page.
    expect(cli('show', 'events', '--csv', '--limit', '2').stdout.trim().split('\n')).toHaveLength(3);

    // A bad page is refused as a usage error (exit 2), naming what the option takes.
    for (const [args, says] of [
      [['--limit', '0'], /--limit takes 1 to 10000/],
      [['--limit', '10001'], /--limit takes 1 to 10000/],
      [['--limit', 'ten'], /--limit must be a whole number/],
      [['--before', '0'], /--before takes the number of an event/],
      [['--before', '3x'], /--before must be a whole number/],
      [['--satellite', 'North', '--limit', '2'], /not a satellite's events/],
    ] as const) {
      const r = cli('show', 'events', ...args);
      expect([r.status, r.stderr], args.join(' ')).toEqual([2, expect.stringMatching(says)]);
    }

    // The app: its Event Log shows the latest 2,000; its export holds every event, oldest first.
    const view = (await call('authorityView')).value as { events: { message: string }[] };
    expect(view.events).toHaveLength(2000);
    expect(view.events.at(-1)!.message).toBe(`event ${LOGGED}`);
    expect((await call('fileSaveEvents', 'authority')).ok).toBe(true);
    const lines = readFileSync(saved, 'utf8').trim().split('\n');
    const all = listed('--before', String(first)).events.length + 10_000;
    expect(lines).toHaveLength(all + 1);
    expect(lines.at(-1)).toContain(`event ${LOGGED}`);
    // Header, init's events, then every logged one in order.
    const firstLogged = lines.findIndex((l) => /(^|,)event 1(,|$)/.test(l));
    expect(firstLogged).toBeGreaterThan(1);
    expect(lines.length - firstLogged).toBe(LOGGED);
    // `show events --csv` alone is the same export (written a page at a time: two pages here), and no note.
    const exported = cli('show', 'events', '--csv');
    expect([exported.stdout.trim().split('\n'), exported.stderr]).toEqual([lines, '']);
    // --json wins over --csv, as it did before: the latest page as JSON.
    expect(cli('--json', 'show', 'events', '--csv').json<{ events: unknown[] }>().events).toHaveLength(10_000);
  });

  it('pages the same way through the server', async () => {
    const server = await startServer('sqlite', T, null);
    try {
      const session = await server.login('admin');
      const all = (await server.call(session, 'events', {})) as { id: number }[];
      expect(all.length).toBeGreaterThan(4);
      const page = (await server.call(session, 'events', { limit: 2, before: all.at(-1)!.id })) as { id: number }[];
      expect(page.map((e) => e.id)).toEqual(all.slice(-3, -1).map((e) => e.id));
      // Forward from the start (an export's way), a page at a time.
      const forward = (await server.call(session, 'events', { after: 0, limit: 2 })) as { id: number }[];
      expect(forward.map((e) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
      const next = (await server.call(session, 'events', { after: forward[1]!.id, limit: 2 })) as { id: number }[];
      expect(next.map((e) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));
      // A user of one virtual account pages through its events only, whichever way they page.
      const lab = await server.login('lab-user');
      for (const body of [{}, { after: 0, limit: 3 }, { before: all.at(-1)!.id }, { account: 'Default', after: 0 }]) {
        const seen = (await server.call(lab, 'events', body as never).catch((e: { code?: string }) => e.code)) as { account: string | null }[] | string;
        if (typeof seen === 'string') expect(seen, JSON.stringify(body)).toBe('forbidden');
        else
          expect(
            seen.filter((e) => e.account !== null && e.account !== 'Lab'),
            JSON.stringify(body),
          ).toEqual([]);
      }
      for (const body of [{ limit: 0 }, { limit: 10_001 }, { before: 0 }, { limit: 1.5 }, { after: -1 }])
        expect((await refused(server.call(session, 'events', body as never))).code, JSON.stringify(body)).toBe('bad-request');
    } finally {
      await server.stop();
    }
  });
});

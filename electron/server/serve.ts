/**
 * `slr authority serve`: opens the ledger for good (its keys unlocked once), makes or loads the certificate,
 * and listens. What it prints is what administrators need to connect: the URL and the certificate's
 * fingerprint to pin.
 */
import type { AddressInfo } from 'node:net';
import { refuse } from '../../shared/errors.ts';
import type { KeySecret } from '../authority/keys/key-storage.ts';
import { openLedgerAt } from '../authority/open-database.ts';
import type { Ledger } from '../authority/ledger.ts';
import type { LinkFor } from '../authority/satellite/connected.ts';
import { scheduleRounds, type Schedule, type ScheduleOptions } from '../authority/satellite/schedule.ts';
import type { PostDelivery } from '../authority/webhooks/webhook-post.ts';
import { buildServer } from './app.ts';
import { webhookRounds, type WebhookRounds } from './webhook-rounds.ts';
import { serverTls } from './tls.ts';

export interface ServeOptions {
  readonly home: string;
  /** HOST:PORT (PORT 0: any free port). */
  readonly listen: string;
  /** A postgres:// URL, or the home's SQLite ledger when absent. */
  readonly database?: string;
  readonly tlsFiles?: { readonly cert: string; readonly key: string };
  readonly keySecret?: KeySecret;
  readonly clock: () => number;
  /** A connected satellite: how its rounds reach the parent and are told (the tests inject both, and the timers). */
  readonly satellite?: Partial<Pick<ScheduleOptions, 'timers' | 'onRound'>> & { readonly linkFor?: LinkFor };
  /** How a webhook delivery is sent (the tests inject one to fail on purpose); fetch otherwise. */
  readonly postWebhook?: PostDelivery;
}

export interface Serving {
  readonly url: string;
  readonly fingerprint: string;
  readonly certificateMade: boolean;
  readonly database: string;
  /** A connected satellite synchronises with its parent by itself while it serves. */
  readonly satellite: { readonly parent: string; readonly intervalMinutes: number } | null;
  /** The webhooks' deliveries (the tests wait for them to settle). */
  readonly webhooks: WebhookRounds;
  close(): Promise<void>;
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) refuse('bad-request', `--listen takes HOST:PORT (e.g. 127.0.0.1:8443), not "${text.slice(0, 80)}".`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Listens, or refuses with what is wrong with the address (busy, not this machine's, not allowed). */
async function listenOn(app: Awaited<ReturnType<typeof buildServer>>, host: string, port: number): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      EADDRINUSE: `${host}:${port} is in use by another program (another License Central?)`,
      EADDRNOTAVAIL: `${host} is not an address of this machine`,
      EACCES: `this user may not listen on port ${port} (ports below 1024 need privileges)`,
      ENOTFOUND: `${host} is not a host name this machine can resolve`,
    };
    await app.close();
    if (code && why[code]) refuse('bad-request', `License Central cannot listen: ${why[code]}.`, 'Choose another --listen HOST:PORT.');
    throw e;
  }
}

export async function serve(o: ServeOptions): Promise<Serving> {
  const { host, port } = parseListen(o.listen);
  const { ledger, where } = await openLedgerAt(o.home, o.database, 'server', o.keySecret);
  let webhooks: WebhookRounds | undefined;
  try {
    await ledger.requireInit();
    // The keys are unlocked now, not at the first request: a wrong passphrase stops the start.
    await ledger.store.keyStorage();
    if ((await ledger.listUsers()).length === 0)
      refuse('no-user', 'License Central has no users yet: nobody could log in.', 'Add one first: `slr authority user add NAME --role smart-account-admin`.');
    const tls = serverTls(o.home, host, o.clock(), o.tlsFiles);
    const rounds = webhookRounds(ledger, o.clock, o.postWebhook);
    webhooks = rounds;
    const app = await buildServer({ ledger, clock: o.clock, tls, onLogged: rounds.kick });
    await listenOn(app, host, port);
    const address = app.server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const role = await ledger.parentOf();
    const schedule = role?.mode === 'connected' ? roundsOf(ledger, o) : null;
    const notices = noticesOf(ledger, o.clock);
    await notices.now();
    rounds.kick();
    return {
      url: `https://${shown}:${address.port}`,
      fingerprint: tls.fingerprint,
      certificateMade: tls.made,
      database: where,
      satellite: role?.mode === 'connected' ? { parent: role.smartAccount, intervalMinutes: role.intervalMinutes } : null,
      webhooks: rounds,
      close: async () => {
        notices.stop();
        await rounds.stop();
        await schedule?.stop();
        await app.close();
        await ledger.close();
      },
    };
  } catch (e) {
    await webhooks?.stop();
    await ledger.close();
    throw e;
  }
}

const NOTICES_EVERY_MS = 3_600_000;

/**
 * The expiry notices due (ledger/notices.ts), recorded at the start and every hour while it serves. One that
 * cannot be recorded now (the ledger busy, the clock behind it) is recorded at the next hour: never fatal.
 */
function noticesOf(ledger: Ledger, clock: () => number): { now: () => Promise<void>; stop: () => void } {
  const now = async () => {
    try {
      await ledger.recordNotices(clock());
    } catch {
      // tried again within the hour
    }
  };
  const timer = setInterval(() => void now(), NOTICES_EVERY_MS);
  timer.unref();
  return { now, stop: () => clearInterval(timer) };
}

/** A connected satellite's rounds with its parent, for as long as it serves and stays connected. */
function roundsOf(ledger: Ledger, o: ServeOptions): Schedule {
  return scheduleRounds({
    due: async () => {
      const role = await ledger.parentOf();
      return role?.mode === 'connected' ? role.retryAt : 'stop';
    },
    round: (now) => ledger.syncNow(now, o.satellite?.linkFor),
    clock: o.clock,
    timers: o.satellite?.timers,
    onRound: o.satellite?.onRound,
  });
}

/**
 * The load and fault test's clients, all at once in this process: administrators reserving for air-gapped
 * devices and taking their return codes back, and devices registering online and reporting usage. Each client
 * keeps what it was told: every acknowledged write, and every write whose answer never came (it may or may
 * not be done), for the checks afterwards (invariants.ts).
 */
import { randomUUID } from 'node:crypto';
import type { RemoteSession } from '../../electron/authority/remote/remote.ts';
import { callApi } from '../../electron/net/server-client.ts';
import { deviceCall, registerDevice, type DeviceLink } from '../../electron/device/registration-client.ts';
import { fromBase64 } from '../../shared/bytes.ts';
import { makeDevice } from '../helpers/world.ts';

/** Refusals a server gives when it or its database is away for a moment: worth another try elsewhere. */
export const PASSING = /^(server-unreachable|server-error)\b/;

/** What every client saw, for the report and the checks. */
export interface Journal {
  readonly latencies: Map<string, number[]>;
  /** `kind: code` → how many (retried ones included: a retry after a killed server is counted here too). */
  readonly errors: Map<string, number>;
  /** `kind: code` → when it was first and last seen, in seconds from the start. */
  readonly errorTimes: Map<string, [number, number]>;
  readonly start: number;
  /** Reservations by their device's UUID: the licenses acknowledged, and whether a return was acknowledged or only tried. */
  readonly reserved: Map<string, { account: string; count: number; returned: 'no' | 'tried' | 'yes' }>;
  /** UUIDs of the devices whose reservation was tried but its answer never came. */
  readonly reserveUnknown: Set<string>;
  /** Registered devices by instance: the usage values sent, in order, each acknowledged or not. */
  readonly registered: Map<string, { udi: string; usage: { count: number; acked: boolean }[] }>;
  readonly registerUnknown: Set<string>;
}

export function newJournal(): Journal {
  return {
    latencies: new Map(),
    errors: new Map(),
    errorTimes: new Map(),
    start: performance.now(),
    reserved: new Map(),
    reserveUnknown: new Set(),
    registered: new Map(),
    registerUnknown: new Set(),
  };
}

export interface Field {
  readonly urls: readonly string[];
  readonly accounts: readonly string[];
  readonly deadline: number;
  /** The device clock (the servers' SLR_NOW, a second on). */
  readonly at: number;
  readonly key: { id: string; pem: string };
  readonly trusted: ReadonlyMap<string, string>;
  /** A registration token per virtual account. */
  readonly tokens: ReadonlyMap<string, string>;
  readonly journal: Journal;
}

/** A refusal's code, with the network's own error where it names one (ECONNREFUSED, ECONNRESET, timed out …). */
const codeOf = (e: unknown) => {
  const code = (e as { code?: string }).code ?? (e as Error).message.slice(0, 60);
  const cause = code === 'server-unreachable' ? / cannot be reached \(([^)]+)\)/.exec((e as Error).message)?.[1] : undefined;
  return cause ? `${code} (${cause})` : code;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
/** A client that could not reach License Central waits a little before it tries again, as a real one does. */
const backOff = () => new Promise((r) => setTimeout(r, 250 + Math.random() * 250));

function count(j: Journal, what: string): void {
  j.errors.set(what, (j.errors.get(what) ?? 0) + 1);
  const t = (performance.now() - j.start) / 1000;
  j.errorTimes.set(what, [j.errorTimes.get(what)?.[0] ?? t, t]);
}

/** `op` timed; its latency kept when it succeeds, its refusal counted when it does not. */
async function timed<T>(j: Journal, kind: string, op: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
  const start = performance.now();
  try {
    const value = await op();
    const list = j.latencies.get(kind) ?? [];
    list.push(performance.now() - start);
    j.latencies.set(kind, list);
    return { ok: true, value };
  } catch (e) {
    count(j, `${kind}: ${codeOf(e)}`);
    return { ok: false, code: codeOf(e) };
  }
}

/**
 * An administrator's change through any server, as behind a load balancer: when one is away (killed, or its
 * database cut) the same change, with the same idempotency key, goes to the next; at most 8 tries over ~4 s.
 */
async function anyServer(f: Field, kind: string, first: number, op: (server: string) => Promise<unknown>): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(f.urls[(first + attempt) % f.urls.length]!);
    } catch (e) {
      if (!PASSING.test(codeOf(e)) || attempt >= 7) throw e;
      count(f.journal, `${kind} (retried): ${codeOf(e)}`);
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}

/** An administrator: reserves 1–3 licenses for a new air-gapped device, which installs them; returns half of them. */
export async function adminClient(f: Field, session: RemoteSession, n: number): Promise<void> {
  const j = f.journal;
  while (Date.now() < f.deadline) {
    const d = makeDevice('UCM', f.at, [{ id: f.key.id, publicKey: f.key.pem }]);
    d.run({ type: 'enable' }, f.at);
    const request = d.run({ type: 'request' }, f.at).issued!.code;
    // Known by its UUID: serial numbers (5 hex digits) of a thousand devices collide.
    const uuid = d.udi.uuid;
    const account = pick(f.accounts);
    const want = 1 + Math.floor(Math.random() * 3);
    const key = randomUUID();
    const r = await timed(j, 'reserve', () =>
      anyServer(f, 'reserve', n, (server) =>
        callApi({ ...session, server }, 'reserve', { account, request, licenses: { UCM_Basic: want } }, { idempotencyKey: key, retries: 0 }),
      ),
    );
    if (!r.ok) {
      if (PASSING.test(r.code)) {
        j.reserveUnknown.add(uuid);
        await backOff();
      }
      continue;
    }
    const entry = { account, count: want, returned: 'no' as 'no' | 'tried' | 'yes' };
    j.reserved.set(uuid, entry);
    d.run({ type: 'install', code: (r.value as { code: string }).code }, f.at);
    if (Math.random() < 0.5) continue;
    const returnCode = d.run({ type: 'return' }, f.at).issued!.code;
    const removeKey = randomUUID();
    entry.returned = 'tried';
    const back = await timed(j, 'return', () =>
      anyServer(f, 'return', n, (server) =>
        callApi({ ...session, server }, 'remove', { instance: `U:${uuid}`, returnCode }, { idempotencyKey: removeKey, retries: 0 }),
      ),
    );
    if (back.ok) entry.returned = 'yes';
  }
}

/** A device: registers online with its virtual account's token, then reports usage (0–4 licenses) up to five times. */
export async function deviceClient(f: Field, n: number): Promise<void> {
  const j = f.journal;
  let failures = 0;
  while (Date.now() < f.deadline) {
    const d = makeDevice('UCM', f.at);
    const udi = `P:UCM,S:${d.udi.sn},U:${d.udi.uuid}`;
    // Its gateway: one of the servers, the next one after a failure (a load balancer's choice).
    const server = f.urls[(n + failures) % f.urls.length]!;
    const reg = await timed(j, 'register', () =>
      registerDevice({
        token: f.tokens.get(pick(f.accounts))!,
        trustedKeys: f.trusted,
        udi,
        devicePublicKey: fromBase64(d.state.deviceKey.publicKey)!,
        devicePrivateKeyPem: d.privateKey,
        route: { gateway: server },
      }),
    );
    if (!reg.ok) {
      if (PASSING.test(reg.code)) {
        j.registerUnknown.add(udi);
        failures++;
        await backOff();
      }
      continue;
    }
    const entry = { udi, usage: [] as { count: number; acked: boolean }[] };
    j.registered.set(reg.value.link.instance, entry);
    let link: DeviceLink = reg.value.link;
    for (let k = 0; k < 5 && Date.now() < f.deadline; k++) {
      const used = Math.floor(Math.random() * 5);
      // Each report to either server (a device's calls are not pinned to one); one not answered is not sent again.
      const target = { ...link, server: f.urls[(n + k) % f.urls.length]! };
      const sent = { count: used, acked: false };
      entry.usage.push(sent);
      const r = await timed(j, 'usage', () => deviceCall(target, d.privateKey, 'device-usage', { usage: { UCM_Basic: used } }, 10_000));
      link = r.ok ? r.value.link : { ...link, seq: link.seq + 1 };
      sent.acked = r.ok;
      // Refused (not lost on the way): nothing was recorded, so the ledger may not hold it.
      if (!r.ok && !PASSING.test(r.code)) entry.usage.pop();
    }
  }
}

/**
 * A cluster's nodes over the cluster's own network (shared/instance/cluster.ts has the rules): the publisher's
 * service (`slr cluster serve`), which takes joins and syncs, and the subscriber's calls. Every message is
 * signed with the sender's device key and checked with the key pinned at the join (the join code names the
 * publisher's key; the publisher pins the subscriber's from its signed join), so a node that is not the one
 * pinned cannot pass for it, and a sync sent again is refused by its sequence number. Each request is handled
 * under the state's lock, as any command is.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { fromBase64, toBase64 } from '../../shared/bytes.ts';
import { isSlrError, refuse, SlrError } from '../../shared/errors.ts';
import {
  acceptJoin,
  acceptSync,
  asStandalone,
  asSubscriber,
  checkNodeName,
  clusterUsage,
  joinCodeText,
  joinMessage,
  leaveMessage,
  leftMessage,
  parseJoinCode,
  statusMessage,
  syncMessage,
  welcomeMessage,
  withJoin,
  withoutNode,
} from '../../shared/instance/cluster.ts';
import { deriveStatus } from '../../shared/instance/status.ts';
import { event, withEvents, type ClusterSnapshot, type InstanceState } from '../../shared/instance/state.ts';
import { privateKeyOps, publicKeyFromCompressed, verifyMessage } from '../platform/crypto.ts';
import type { InstanceService } from './instance-service.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** A device key's id: the first 16 hex digits of the SHA-256 of its compressed point. */
export const nodeKeyId = (publicKey: string) => createHash('sha256').update(fromBase64(publicKey)!).digest('hex').slice(0, 16);
const pemOf = (publicKey: string) => publicKeyFromCompressed(fromBase64(publicKey)!).export({ type: 'spki', format: 'pem' }).toString();
const verified = (publicKey: string, message: Uint8Array, signature: unknown) => {
  const sig = typeof signature === 'string' ? fromBase64(signature) : null;
  try {
    return !!sig && verifyMessage(pemOf(publicKey), message, sig);
  } catch {
    return false;
  }
};
const udiOf = (s: InstanceState) => deriveStatus(s, s.clock.highWater).udi;

/** `slr cluster add-node NAME` on the publisher: the one-time join code (its secret kept only as a hash). */
export async function addNode(service: InstanceService, name: string, now: number): Promise<string> {
  checkNodeName(name);
  const secret = randomBytes(16).toString('hex');
  return service.transact(now, async (state) => {
    const next = withJoin(state, name, sha256(secret), state.clock.highWater);
    const logged = withEvents(next, event(state.clock.highWater, 'cluster-add-node', `Join code made for node "${name}" (valid 24 hours, once).`));
    return { state: logged, value: joinCodeText(name, secret, nodeKeyId(state.deviceKey.publicKey)) };
  });
}

/** The publisher answers a join: the code's secret for that name, the subscriber's proof that it holds its key. */
async function onJoin(service: InstanceService, body: Record<string, unknown>, now: number) {
  const name = checkNodeName(String(body.name));
  const { secret, publicKey } = body as { secret: string; publicKey: string };
  if (
    typeof secret !== 'string' ||
    typeof publicKey !== 'string' ||
    !/^[A-Za-z0-9+/]{44}$/.test(publicKey) ||
    !verified(publicKey, joinMessage(name, secret, publicKey), body.signature)
  )
    refuse('unauthorized', 'This join is not signed by the key it offers.');
  return service.transact(now, async (state, secrets) => {
    const t = state.clock.highWater;
    const next = withEvents(
      acceptJoin(state, name, sha256(secret), publicKey, t),
      event(t, 'cluster-join', `Node "${name}" joined the cluster (key ${nodeKeyId(publicKey)}).`),
    );
    const signature = toBase64(privateKeyOps(await secrets.deviceKey()).sign(welcomeMessage(name, publicKey, udiOf(state))));
    return { state: next, value: { publisherKey: state.deviceKey.publicKey, publisherUdi: udiOf(state), signature } };
  });
}

/** The publisher answers a sync: the subscriber's usage taken, the cluster's status as of now sent back, signed. */
async function onSync(service: InstanceService, body: Record<string, unknown>, now: number) {
  const name = checkNodeName(String(body.name));
  const seq = Number(body.seq);
  const text = typeof body.body === 'string' ? body.body : '';
  return service.transact(now, async (state, secrets) => {
    const c = state.cluster;
    const node = c?.role === 'publisher' ? c.nodes.find((n) => n.name === name) : undefined;
    if (!node) refuse('unauthorized', `No node "${name}" is in this publisher's cluster (removed, or it never joined).`);
    if (!verified(node.publicKey, syncMessage(name, seq, text), body.signature)) refuse('unauthorized', `This sync is not signed by node "${name}"'s key.`);
    let usage: Record<string, number>;
    try {
      usage = (JSON.parse(text) as { usage?: Record<string, number> }).usage ?? {};
    } catch {
      return refuse('bad-request', 'A sync carries its usage as JSON.');
    }
    if (Object.values(usage).some((n) => !Number.isSafeInteger(n) || n < 0)) refuse('bad-count', 'A usage count is not a whole number.');
    const t = state.clock.highWater;
    const next = acceptSync(state, name, seq, usage, t);
    const status = deriveStatus(next, t);
    const snapshot: ClusterSnapshot = { at: t, registration: status.registration, authorization: status.authorization, usage: clusterUsage(next) };
    const statusText = JSON.stringify(snapshot);
    const signature = toBase64(privateKeyOps(await secrets.deviceKey()).sign(statusMessage(name, seq, statusText)));
    return { state: next, value: { status: statusText, signature } };
  });
}

/** `slr cluster remove-node NAME` on the publisher: the node's usage no longer counts, its messages are refused. */
export async function removeNode(service: InstanceService, name: string, now: number): Promise<void> {
  checkNodeName(name);
  await service.transact(now, async (state) => {
    const t = state.clock.highWater;
    const next = withoutNode(state, name);
    return {
      state: withEvents(next, event(t, 'cluster-remove-node', `Node "${name}" removed from the cluster: its usage no longer counts.`)),
      value: undefined,
    };
  });
}

/** The publisher takes a subscriber's signed leave (numbered as its syncs: one sent again is refused), and signs that it did. */
async function onLeave(service: InstanceService, body: Record<string, unknown>, now: number) {
  const name = checkNodeName(String(body.name));
  const seq = Number(body.seq);
  return service.transact(now, async (state, secrets) => {
    const c = state.cluster;
    const node = c?.role === 'publisher' ? c.nodes.find((n) => n.name === name) : undefined;
    if (!node) refuse('unauthorized', `No node "${name}" is in this publisher's cluster (removed, or it never joined).`);
    if (!verified(node.publicKey, leaveMessage(name, seq), body.signature)) refuse('unauthorized', `This leave is not signed by node "${name}"'s key.`);
    if (!Number.isSafeInteger(seq) || seq <= node.seq) refuse('replayed-code', `This leave's sequence number (${seq}) was used before.`);
    const t = state.clock.highWater;
    const next = withEvents(withoutNode(state, name), event(t, 'cluster-leave', `Node "${name}" left the cluster: its usage no longer counts.`));
    return { state: next, value: { signature: toBase64(privateKeyOps(await secrets.deviceKey()).sign(leftMessage(name, seq))) } };
  });
}

/**
 * `slr cluster leave [--force]` on a subscriber: the publisher told (signed) and its acknowledgement checked, then
 * standalone. `force`: standalone even when the publisher cannot be reached (it counts the node until
 * `cluster remove-node` there).
 */
export async function leaveCluster(service: InstanceService, now: number, force: boolean): Promise<{ told: boolean; publisher: string }> {
  return service.transact(now, async (state, secrets) => {
    const c = state.cluster;
    if (c?.role !== 'subscriber') refuse('not-allowed', 'This product instance is no cluster subscriber: there is nothing to leave.');
    const seq = c.seq + 1;
    const signature = toBase64(privateKeyOps(await secrets.deviceKey()).sign(leaveMessage(c.name, seq)));
    let told = false;
    try {
      const answer = await post(c.publisher, '/cluster/leave', { name: c.name, seq, signature });
      if (!verified(c.publisherKey, leftMessage(c.name, seq), answer.signature))
        refuse('server-untrusted', "The answer is not signed by the publisher's key pinned at the join: still in the cluster.");
      told = true;
    } catch (e) {
      if (!isSlrError(e) || e.code === 'server-untrusted') throw e;
      if (!force)
        throw new SlrError(
          e.code,
          `${e.message} Still in the cluster.`,
          `If the publisher is gone for good or removed this node already: \`slr cluster leave --force\` (then, if it comes back, \`slr cluster remove-node ${c.name}\` on it).`,
        );
    }
    const t = state.clock.highWater;
    const message = told
      ? `Left the cluster of ${c.publisherUdi}: the publisher no longer counts this node.`
      : `Left the cluster of ${c.publisherUdi} without telling the publisher (${c.publisher}): it counts node "${c.name}" until \`slr cluster remove-node ${c.name}\` there.`;
    return { state: withEvents(asStandalone(state), event(t, 'cluster-leave', message)), value: { told, publisher: c.publisher } };
  });
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) refuse('code-too-large', 'A cluster message is at most 64 KiB.');
    chunks.push(chunk as Buffer);
  }
  const value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) refuse('bad-request', 'A cluster message is a JSON object.');
  return value as Record<string, unknown>;
}

/** `slr cluster serve`: the publisher's service for its subscribers, until closed; `changed` after a sync or a leave was taken. */
export function serveCluster(service: InstanceService, clock: () => number, changed: () => void = () => undefined): Server {
  // Taken when it serves: importing node:http loads Node's fetch (undici) with it, 40 ms off every device command.
  const { createServer } = process.getBuiltinModule('node:http');
  return createServer((req, res) => {
    const routes: Record<string, (s: InstanceService, body: Record<string, unknown>, now: number) => Promise<object>> = {
      '/cluster/join': onJoin,
      '/cluster/sync': onSync,
      '/cluster/leave': onLeave,
    };
    const route = req.method === 'POST' ? routes[req.url ?? ''] : undefined;
    const send = (status: number, value: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (!route) return void send(404, { error: { code: 'not-found', message: 'Not a cluster service path.' } });
    bodyOf(req)
      .then((body) => route(service, body, clock()))
      .then(
        (value) => {
          send(200, value);
          if (req.url !== '/cluster/join') changed();
        },
        (e: unknown) =>
          send(isSlrError(e) ? (e.code === 'unauthorized' ? 401 : 400) : 500, {
            error: isSlrError(e) ? { code: e.code, message: e.message, detail: e.detail } : { code: 'internal', message: 'internal error' },
          }),
      );
  });
}

async function post(url: string, path: string, body: object): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(new URL(path, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    return refuse(
      'server-unreachable',
      `The publisher at ${url} cannot be reached (${(e as Error).message}).`,
      'Check that `slr cluster serve` runs on the publisher.',
    );
  }
  const value = (await res.json().catch(() => ({}))) as Record<string, unknown> & {
    error?: { code: string; message: string; detail?: Record<string, number> };
  };
  if (!res.ok) {
    const replayed = value.error?.code === 'replayed-code';
    const lastSeq = replayed && Number.isSafeInteger(value.error?.detail?.lastSeq) ? { lastSeq: value.error!.detail!.lastSeq! } : undefined;
    throw new SlrError(
      replayed ? 'replayed-code' : 'unauthorized',
      `The publisher refused: ${String(value.error?.message ?? res.status).replace(/\.$/, '')}.`,
      undefined,
      lastSeq,
    );
  }
  return value;
}

/** `slr cluster join --publisher URL --code CODE` on the subscriber. */
export async function joinCluster(service: InstanceService, publisher: string, code: string, now: number): Promise<string> {
  const { name, secret, publisherKeyId } = parseJoinCode(code);
  return service.transact(now, async (state, secrets) => {
    asSubscriber(state, { name, publisher, publisherKey: state.deviceKey.publicKey, publisherUdi: '' }, state.clock.highWater); // refuses before anything is sent
    const publicKey = state.deviceKey.publicKey;
    const signature = toBase64(privateKeyOps(await secrets.deviceKey()).sign(joinMessage(name, secret, publicKey)));
    const answer = await post(publisher, '/cluster/join', { name, secret, publicKey, signature });
    const publisherKey = String(answer.publisherKey);
    const publisherUdi = String(answer.publisherUdi);
    if (
      !/^[A-Za-z0-9+/]{44}$/.test(publisherKey) ||
      nodeKeyId(publisherKey) !== publisherKeyId ||
      !verified(publisherKey, welcomeMessage(name, publicKey, publisherUdi), answer.signature)
    )
      refuse('server-untrusted', `The service at ${publisher} is not the publisher the join code names (key ${publisherKeyId}): nothing was kept.`);
    const t = state.clock.highWater;
    const joined = asSubscriber(state, { name, publisher, publisherKey, publisherUdi }, t);
    return {
      state: withEvents(joined, event(t, 'cluster-join', `Joined the cluster of ${publisherUdi} at ${publisher} as node "${name}".`)),
      value: publisherUdi,
    };
  });
}

/** `slr cluster sync` on a subscriber (also before its commands): its usage sent, the cluster's status taken. */
export async function syncCluster(service: InstanceService, now: number): Promise<ClusterSnapshot> {
  return service.transact(now, async (state, secrets) => {
    const c = state.cluster;
    if (c?.role !== 'subscriber') refuse('not-allowed', 'This product instance is not a cluster subscriber: there is nothing to sync.');
    const body = JSON.stringify({ usage: state.usage });
    const key = privateKeyOps(await secrets.deviceKey());
    const send = (seq: number) =>
      post(c.publisher, '/cluster/sync', { name: c.name, seq, body, signature: toBase64(key.sign(syncMessage(c.name, seq, body))) });
    let seq = c.seq + 1;
    let answer: Record<string, unknown>;
    try {
      answer = await send(seq);
    } catch (e) {
      // Refused as a replay although this node signed it (its state restored from a backup): take up the publisher's number, once.
      const last = isSlrError(e) && e.code === 'replayed-code' ? e.detail?.lastSeq : undefined;
      if (last === undefined || last < c.seq) throw e;
      seq = last + 1;
      answer = await send(seq);
    }
    const statusText = String(answer.status);
    if (!verified(c.publisherKey, statusMessage(c.name, seq, statusText), answer.signature))
      refuse('server-untrusted', `The answer is not signed by the publisher's key pinned at the join: nothing was kept.`);
    const snapshot = JSON.parse(statusText) as ClusterSnapshot;
    const t = state.clock.highWater;
    return { state: { ...state, cluster: { ...c, seq, lastContact: t, snapshot } }, value: snapshot };
  });
}

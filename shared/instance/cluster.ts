/**
 * A cluster of product instances (the seeds' "Licenses in Unity Connection Cluster"), as pure rules: one
 * publisher, which alone talks to License Central, and subscribers that join it once with a one-time join code
 * (keys pinned both ways: each signs what it sends, each checks with the key it pinned). Usage on every node
 * counts in the cluster's total, which the publisher reports or reserves against; a subscriber shows the
 * licensing status as of its last contact with the publisher, keeps using licenses while the publisher is
 * down, and after 90 days without it refuses new user provisioning (an alarm says so before).
 */
import { concatBytes, utf8 } from '../bytes.ts';
import { DAY_MS, formatInstant } from '../codes/dates.ts';
import { refuse, SlrError } from '../errors.ts';
import { MAX_CLUSTER_SUBSCRIBERS, NODE_NAME } from '../codes/cluster-nodes.ts';
import type { ClusterNode, ClusterState, InstanceState } from './state.ts';

export const PUBLISHER_SILENCE_LIMIT_MS = 90 * DAY_MS;
export const PUBLISHER_SILENCE_WARNING_MS = 60 * DAY_MS;
/** How long a join code may be used. */
export const JOIN_CODE_VALID_MS = DAY_MS;
const JOIN_CODE = /^SLRJ1-([a-z0-9][a-z0-9-]{0,31})-([0-9a-f]{32})-([0-9a-f]{16})$/;

/** The commands only the publisher runs (the seeds: registration, renewals, deregistration, reregistration; and reservation codes). */
export const PUBLISHER_ONLY = ['register', 'renew', 'deregister', 'reservation', 'export'] as const;

export const clusterOf = (state: InstanceState): ClusterState | null => state.cluster ?? null;

export function checkNodeName(name: string): string {
  if (!NODE_NAME.test(name)) refuse('bad-name', `"${name.slice(0, 40)}" is not a node name: lower-case letters, digits and "-", at most 32.`);
  return name;
}

export const joinCodeText = (name: string, secret: string, publisherKeyId: string) => `SLRJ1-${name}-${secret}-${publisherKeyId}`;

export function parseJoinCode(text: string): { name: string; secret: string; publisherKeyId: string } {
  const m = JOIN_CODE.exec(text.trim());
  if (!m) refuse('code-malformed', 'This is not a cluster join code (SLRJ1-<node>-<32 hex>-<16 hex>, from `slr cluster add-node` on the publisher).');
  return { name: m[1]!, secret: m[2]!, publisherKeyId: m[3]! };
}

/** What a joining subscriber signs: its name, the code's secret and its key (proof that it holds that key). */
export const joinMessage = (name: string, secret: string, publicKey: string) => utf8(`SLR-CLUSTER-JOIN-1\n${name}\n${secret}\n${publicKey}`);
/** What the publisher signs back: the node it welcomed, with its key, and its own UDI. */
export const welcomeMessage = (name: string, publicKey: string, publisherUdi: string) => utf8(`SLR-CLUSTER-WELCOME-1\n${name}\n${publicKey}\n${publisherUdi}`);
/** A subscriber's sync (its usage), and the publisher's answer (the cluster's status), each over its body as sent. */
export const syncMessage = (name: string, seq: number, body: string) => concatBytes(utf8(`SLR-CLUSTER-SYNC-1\n${name}\n${seq}\n`), utf8(body));
export const statusMessage = (name: string, seq: number, body: string) => concatBytes(utf8(`SLR-CLUSTER-STATUS-1\n${name}\n${seq}\n`), utf8(body));

/** The usage that counts for licensing: on a publisher, its own and every subscriber's as last synced. */
export function clusterUsage(state: InstanceState): Readonly<Record<string, number>> {
  const c = state.cluster;
  if (c?.role !== 'publisher' || !c.nodes.length) return state.usage;
  const total: Record<string, number> = { ...state.usage };
  for (const n of c.nodes) for (const [tag, count] of Object.entries(n.usage)) total[tag] = (total[tag] ?? 0) + count;
  return total;
}

/** `cluster add-node NAME` on the publisher (becoming one if it is standalone): a join code's secret, by its hash. */
export function withJoin(state: InstanceState, name: string, secretHash: string, t: number): InstanceState {
  const c = state.cluster;
  if (c?.role === 'subscriber') refuse('not-allowed', `This product instance is a subscriber of ${c.publisher}: nodes are added on the publisher.`);
  const nodes = c?.nodes ?? [];
  if (nodes.some((n) => n.name === name)) refuse('instance-exists', `Node "${name}" is already in the cluster.`, 'Use another name.');
  const joins = (c?.joins ?? []).filter((j) => j.name !== name && j.expiresAt > t);
  if (nodes.length + joins.length >= MAX_CLUSTER_SUBSCRIBERS) {
    refuse(
      'not-allowed',
      `A cluster has at most ${MAX_CLUSTER_SUBSCRIBERS} subscribers; this one has ${nodes.length}${joins.length ? ` and ${joins.length} join code${joins.length === 1 ? '' : 's'} not used yet` : ''}.`,
      'Remove a node first (`cluster remove-node NAME`), or wait until an unused join code expires.',
    );
  }
  return { ...state, cluster: { role: 'publisher', nodes, joins: [...joins, { name, secretHash, expiresAt: t + JOIN_CODE_VALID_MS }] } };
}

/** The publisher takes a join: the code's secret (by hash) for that name, unused and in time; used once. */
export function acceptJoin(state: InstanceState, name: string, secretHash: string, publicKey: string, t: number): InstanceState {
  const c = state.cluster;
  const join = c?.role === 'publisher' ? c.joins.find((j) => j.name === name && j.secretHash === secretHash) : undefined;
  if (!c || c.role !== 'publisher' || !join || join.expiresAt <= t)
    refuse(
      'unauthorized',
      'This join code is not one this publisher issued, was used already, or expired.',
      'Make a new one on the publisher: `slr cluster add-node NAME`.',
    );
  const node: ClusterNode = { name, publicKey, joinedAt: t, lastContact: t, usage: {}, seq: 0 };
  return { ...state, cluster: { ...c, nodes: [...c.nodes, node], joins: c.joins.filter((j) => j !== join) } };
}

/** The publisher takes a subscriber's usage, at a sequence number above its last (a replay changes nothing). */
export function acceptSync(state: InstanceState, name: string, seq: number, usage: Record<string, number>, t: number): InstanceState {
  const c = state.cluster;
  const node = c?.role === 'publisher' ? c.nodes.find((n) => n.name === name) : undefined;
  if (!c || c.role !== 'publisher' || !node) refuse('unauthorized', `No node "${name}" is in this publisher's cluster.`);
  if (!Number.isSafeInteger(seq) || seq <= node.seq)
    // Signed by the node (checked before): it may learn its last number (a subscriber restored from a backup resynchronises).
    throw new SlrError('replayed-code', `This sync's sequence number (${seq}) was used before (the last was ${node.seq}).`, undefined, { lastSeq: node.seq });
  const next: ClusterNode = { ...node, seq, usage, lastContact: t };
  return { ...state, cluster: { ...c, nodes: c.nodes.map((n) => (n === node ? next : n)) } };
}

/** A subscriber leaving (signed with its key, numbered as its syncs), and the publisher's signed acknowledgement. */
export const leaveMessage = (name: string, seq: number) => utf8(`SLR-CLUSTER-LEAVE-1\n${name}\n${seq}`);
export const leftMessage = (name: string, seq: number) => utf8(`SLR-CLUSTER-LEFT-1\n${name}\n${seq}`);

/**
 * `cluster remove-node NAME` on the publisher (or a subscriber's signed leave): the node, and a join code for its
 * name not used yet, gone; its usage no longer counts. A publisher left with no node and no code stands alone.
 */
export function withoutNode(state: InstanceState, name: string): InstanceState {
  const c = state.cluster;
  if (c?.role !== 'publisher') refuse('not-allowed', 'This product instance is no cluster publisher: nodes are removed on the publisher.');
  if (!c.nodes.some((n) => n.name === name) && !c.joins.some((j) => j.name === name))
    refuse(
      'not-allowed',
      `No node "${name.slice(0, 40)}" is in this cluster.`,
      c.nodes.length ? `Nodes: ${c.nodes.map((n) => n.name).join(', ')}.` : 'It has no subscribers.',
    );
  const nodes = c.nodes.filter((n) => n.name !== name);
  const joins = c.joins.filter((j) => j.name !== name);
  const { cluster: _gone, ...standalone } = state;
  return nodes.length || joins.length ? { ...state, cluster: { ...c, nodes, joins } } : standalone;
}

/** A subscriber standing alone again (it left, or was removed): its status its own from now on. */
export function asStandalone(state: InstanceState): InstanceState {
  if (state.cluster?.role !== 'subscriber') refuse('not-allowed', 'This product instance is no cluster subscriber: there is nothing to leave.');
  const { cluster: _gone, ...standalone } = state;
  return standalone;
}

/** A subscriber of `publisher`, joined now. */
export function asSubscriber(
  state: InstanceState,
  join: { name: string; publisher: string; publisherKey: string; publisherUdi: string },
  t: number,
): InstanceState {
  if (state.cluster) refuse('not-allowed', `This product instance is already in a cluster (${state.cluster.role}).`);
  if (state.online || state.installed || state.reservationEnabled)
    refuse(
      'not-allowed',
      'A product instance that is registered, reserved or has reservation enabled cannot join a cluster as a subscriber.',
      'Deregister, or return the reservation and disable it, first.',
    );
  return { ...state, cluster: { role: 'subscriber', ...join, joinedAt: t, lastContact: t, seq: 0, snapshot: null } };
}

/** How long a subscriber has been without its publisher at `t`, or null when it is not a subscriber. */
export function publisherSilence(state: InstanceState, t: number): number | null {
  const c = state.cluster;
  return c?.role === 'subscriber' ? Math.max(0, t - c.lastContact) : null;
}

/** The seeds' rule: after 90 days without its publisher, a subscriber refuses new user provisioning. */
export function assertMayProvision(state: InstanceState, t: number): void {
  const silence = publisherSilence(state, t);
  const c = state.cluster;
  if (silence !== null && c?.role === 'subscriber' && silence > PUBLISHER_SILENCE_LIMIT_MS)
    refuse(
      'not-allowed',
      `This subscriber has not reached its publisher (${c.publisher}) since ${formatInstant(c.lastContact)}, more than 90 days: new users are not provisioned.`,
      'Bring the publisher back (slr cluster serve on it), then `slr cluster sync` here.',
    );
}

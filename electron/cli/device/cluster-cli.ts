/**
 * `slr cluster …` and `slr show cluster`: a product instance as a cluster's publisher (`add-node`, `serve`) or
 * subscriber (`join`, `sync`), over electron/device/cluster-service.ts. On a subscriber the publisher's commands
 * (registration, renewals, deregistration, reservation, export) are refused with exit 2 naming the publisher,
 * and its usage is synced before each command (when the publisher answers).
 */
import { formatInstant } from '../../../shared/codes/dates.ts';
import { PUBLISHER_ONLY } from '../../../shared/instance/cluster.ts';
import type { InstanceState } from '../../../shared/instance/state.ts';
import { addNode, joinCluster, leaveCluster, removeNode, serveCluster, syncCluster } from '../../device/cluster-service.ts';
import { publisherReports } from '../../device/publisher-reports.ts';
import type { InstanceService } from '../../device/instance-service.ts';
import { assertAppNotRunning } from '../../platform/lock.ts';
import { table, UsageError } from '../output.ts';
import type { CliContext } from './instance-cli.ts';

export const CLUSTER_USAGE = [
  '  slr cluster add-node <name>                          on the publisher: a one-time join code for a subscriber',
  '  slr cluster serve --listen <host>:<port>             on the publisher: serve its subscribers (until stopped)',
  '  slr cluster join --publisher <url> --code <code>     on a subscriber: join the publisher once',
  '  slr cluster sync                                     on a subscriber: send its usage, take the status (also automatic)',
  '  slr cluster remove-node <name>                       on the publisher: a subscriber out (its usage no longer counts)',
  '  slr cluster leave [--force]                          on a subscriber: leave (the publisher told; --force: without it)',
  '  slr show cluster                                     the nodes, their roles and last contact',
];
const usage = () => ['Usage:', ...CLUSTER_USAGE].join('\n');

function flags(words: readonly string[], names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!names.includes(w)) throw new UsageError(`slr cluster does not take "${w.slice(0, 40)}" here.`, usage());
    const v = words[++i];
    if (v === undefined) throw new UsageError(`${w} needs a value.`, usage());
    out[w] = v;
  }
  for (const n of names) if (!(n in out)) throw new UsageError(`${n} is needed.`, usage());
  return out;
}

/** `slr cluster <verb> …` */
export async function clusterCommand(service: InstanceService, words: readonly string[], ctx: CliContext, clock: () => number): Promise<void> {
  const [verb, ...rest] = words;
  const say = (text: string, json: object) => ctx.io.out(ctx.json ? JSON.stringify({ ok: true, ...json }) : text);
  if (verb === 'add-node' && rest.length === 1) {
    const code = await addNode(service, rest[0]!, ctx.now);
    return say(code, { code });
  }
  if (verb === 'join') {
    const f = flags(rest, ['--publisher', '--code']);
    const udi = await joinCluster(service, f['--publisher']!, f['--code']!, ctx.now);
    return say(`Joined the cluster of ${udi}.`, { publisher: udi });
  }
  if (verb === 'remove-node' && rest.length === 1) {
    await removeNode(service, rest[0]!, ctx.now);
    return say(`Node "${rest[0]}" removed from the cluster: its usage no longer counts, its messages are refused.`, { removed: rest[0] });
  }
  if (verb === 'leave' && (rest.length === 0 || (rest.length === 1 && rest[0] === '--force'))) {
    const r = await leaveCluster(service, ctx.now, rest[0] === '--force');
    if (!r.told && !ctx.json) ctx.io.err(`WARNING: the publisher (${r.publisher}) was not told: it counts this node until \`slr cluster remove-node\` there.`);
    return say(r.told ? 'Left the cluster: standalone now.' : 'Left the cluster without telling the publisher: standalone now.', r);
  }
  if (verb === 'sync' && rest.length === 0) {
    const s = await syncCluster(service, ctx.now);
    return say(`Synced with the publisher: ${s.registration}, ${s.authorization} (as of ${formatInstant(s.at)}).`, { snapshot: s });
  }
  if (verb === 'serve') {
    const f = flags(rest, ['--listen']);
    const m = /^(.+):([0-9]{1,5})$/.exec(f['--listen']!);
    if (!m) throw new UsageError('--listen is <host>:<port>.', usage());
    // Registered online, the publisher reports the cluster's usage and renews by itself while it serves.
    const reports = publisherReports(service, clock, {
      onReport: (r) =>
        r instanceof Error
          ? ctx.io.err(`WARNING: Smart Licensing: the calls that are due were not made: ${r.message}`)
          : [r.message, ...r.warnings.map((w) => `WARNING: ${w}`)].filter(Boolean).forEach((line) => ctx.io.err(`Smart Licensing: ${line}`)),
    });
    const server = serveCluster(service, clock, reports.poke);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ''), resolve));
    const address = server.address() as { address: string; port: number };
    ctx.io.out(`Cluster service listening on http://${address.address}:${address.port}`);
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => resolve()));
    });
    await reports.stop();
    return;
  }
  throw new UsageError(`Unknown or wrong: slr cluster ${words.join(' ').slice(0, 80)}.`, usage());
}

/** `slr show cluster`. */
export function showCluster(state: InstanceState, ctx: CliContext): void {
  const c = state.cluster;
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, cluster: c ?? null }));
  if (!c) return ctx.io.out('Standalone: not in a cluster.');
  if (c.role === 'subscriber') {
    const s = c.snapshot;
    return ctx.io.out(
      [
        `Subscriber "${c.name}" of ${c.publisherUdi} at ${c.publisher}; last contact ${formatInstant(c.lastContact)}.`,
        s ? `Licensing status as of ${formatInstant(s.at)}: ${s.registration}, ${s.authorization}.` : 'No status from the publisher yet.',
      ].join('\n'),
    );
  }
  const rows = [
    ['(this node)', 'publisher', '-', '-'],
    ...c.nodes.map((n) => [
      n.name,
      'subscriber',
      formatInstant(n.lastContact),
      Object.entries(n.usage)
        .map(([k, v]) => `${k.split(',')[0]!.split('.').pop()} ${v}`)
        .join(', ') || '-',
    ]),
  ];
  ctx.io.out(table(['Node', 'Role', 'Last Contact', 'Usage'], rows));
}

/** On a subscriber, the publisher's commands are refused (exit 2), naming the publisher. */
export function refusePublisherOnly(service: InstanceService, rest: readonly string[]): void {
  if (rest[0] !== 'license' || rest[1] !== 'smart' || !(PUBLISHER_ONLY as readonly string[]).includes(rest[2] ?? '')) return;
  const c = peek(service)?.cluster;
  if (c?.role !== 'subscriber') return;
  throw new UsageError(
    `This product instance is a subscriber of the cluster of ${c.publisherUdi}: \`license smart ${rest[2]}\` runs on the publisher only (${c.publisher}).`,
  );
}

/** Before a subscriber's command: its usage synced with the publisher (a publisher down is said, never an error). */
export async function subscriberSync(service: InstanceService, home: string, ctx: CliContext): Promise<void> {
  // A state that is not a subscriber's has nothing to sync: not loaded twice (a start costs less).
  if (!service.savedRoles().subscriber || peek(service)?.cluster?.role !== 'subscriber') return;
  try {
    assertAppNotRunning(home);
    await syncCluster(service, ctx.now);
  } catch (e) {
    ctx.io.err(`WARNING: Cluster: the publisher was not reached (${(e as Error).message}); the licensing status is as of the last contact.`);
  }
}

/** The state as saved, if there is one that loads (a damaged one is the command's to report, not this). */
function peek(service: InstanceService): InstanceState | null {
  try {
    return service.exists() ? service.load() : null;
  } catch {
    return null;
  }
}

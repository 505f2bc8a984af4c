// A cluster reserved by SLR (issue 27): the publisher's request code (v4) names its subscribers, License Central
// shows the cluster as one instance with its nodes (ledger, CLI table, --json), and the names are bound into the
// reservation: a list changed on the way gets a code the publisher refuses, a list that no device writes is
// refused at License Central, and a cluster cannot grow past what a request code carries.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../electron/authority/ledger.ts';
import { codeLength, formatShortCode, parseShortCode } from '../shared/codes/short-code.ts';
import { CODE_LENGTHS, makeRequestCode, parseRequestCode, REQUEST_CODE } from '../shared/codes/device-codes.ts';
import { MAX_CLUSTER_SUBSCRIBERS, NODE_TAIL_SYMBOLS, nodeTail, readNodeTail } from '../shared/codes/cluster-nodes.ts';
import { acceptJoin, withJoin } from '../shared/instance/cluster.ts';
import { productById } from '../shared/catalog.ts';
import { slr } from './helpers/cli.ts';
import { makeDevice, refusal, T0, type Device } from './helpers/world.ts';

const MIN = 60_000;

/** A publisher whose subscribers joined as `cluster serve` lets them (withJoin, then acceptJoin). */
function publisher(names: readonly string[]): Device {
  const device = makeDevice('UCM', T0);
  for (const name of names) {
    const joined = withJoin(device.state, name, `hash-${name}`, T0);
    device.state = acceptJoin(joined, name, `hash-${name}`, `key-${name}`, T0);
  }
  return device;
}

async function world(names: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'slr-cluster-lc-'));
  const ledger = await openLedger({ dir, actor: 'test' }, true);
  await ledger.init('Cluster', T0);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 20 }, T0);
  const key = await ledger.exportKey();
  const device = publisher(names);
  device.run({ type: 'trust-add', chain: [{ id: key.id, publicKey: key.pem, endorsement: null }], label: 'LC', provision: true }, T0);
  device.run({ type: 'enable' }, T0);
  return { dir, ledger, device, request: device.run({ type: 'request' }, T0 + MIN).issued!.code };
}

/** The request's data symbols with its node tail replaced: what someone carrying the code could make of it. */
function withTail(request: string, tail: readonly number[]): string {
  const head = parseShortCode({ ...REQUEST_CODE, dataSymbols: requestSymbols(request) }, request).slice(0, REQUEST_CODE.dataSymbols);
  return formatShortCode({ ...REQUEST_CODE, dataSymbols: head.length + tail.length }, [...head, ...tail]);
}
const requestSymbols = (code: string) =>
  REQUEST_CODE.dataSymbols +
  NODE_TAIL_SYMBOLS.find((t) => codeLength({ ...REQUEST_CODE, dataSymbols: REQUEST_CODE.dataSymbols + t }) === code.replace(/-/g, '').length)!;

describe('a cluster reserved by SLR: one instance with its nodes at License Central', () => {
  it('carries the subscribers in the request, shows them at License Central, and installs for the whole cluster', async () => {
    const { dir, ledger, device, request } = await world(['sub-b', 'sub-a']);
    expect(request.replace(/-/g, '').length).toBeGreaterThan(CODE_LENGTHS.request);
    expect(parseRequestCode(request).nodes).toEqual(['sub-a', 'sub-b']);
    const reserved = await ledger.reserve({ account: 'Default', request, licenses: { UCM_Basic: 5 } }, T0 + 2 * MIN);
    expect(device.run({ type: 'install', code: reserved.code }, T0 + 3 * MIN).state.registration).toBe('Registered - Specific License Reservation');
    const [line] = await ledger.instances();
    expect(line!.nodes).toEqual(['sub-a', 'sub-b']);
    expect((await ledger.events()).find((e) => e.type === 'reserve')!.message).toMatch(/a cluster: its publisher, and the subscribers sub-a, sub-b/);
    // The CLI's table and --json, on the same ledger.
    const table = slr(dir, ['authority', 'show', 'instances', '--csv'], T0 + 4 * MIN).stdout.split(/\r?\n/);
    expect(table[0]).toMatch(/,Device State,Cluster Nodes$/);
    expect(table[1]).toMatch(/,"sub-a, sub-b"$/);
    const json = slr(dir, ['--json', 'authority', 'show', 'instances'], T0 + 4 * MIN).json<{ instances: { nodes: string[] }[] }>();
    expect(json.instances[0]!.nodes).toEqual(['sub-a', 'sub-b']);
  });

  it("keeps a standalone device's request as it was (version 3, no nodes)", async () => {
    const { ledger, request } = await world([]);
    expect(request.replace(/-/g, '').length).toBe(CODE_LENGTHS.request);
    expect(parseRequestCode(request).nodes).toEqual([]);
    await ledger.reserve({ account: 'Default', request, licenses: { UCM_Basic: 1 } }, T0 + 2 * MIN);
    expect((await ledger.instances())[0]!.nodes).toEqual([]);
  });

  it('a node list changed on the way gets a code the publisher refuses; the genuine request then rehosts it', async () => {
    const { ledger, device, request } = await world(['sub-a', 'sub-b']);
    const p = parseRequestCode(request);
    for (const nodes of [['sub-a'], ['sub-a', 'sub-b', 'sub-c'], ['sub-a', 'sub-x']]) {
      const altered = makeRequestCode(productById('UCM')!, p.udi.uuid, p.devicePublicKey, p.nonce, p.digest!, nodes);
      expect(parseRequestCode(altered).nodes).toEqual(nodes);
      expect(withTail(request, nodeTail(nodes))).toBe(altered);
    }
    // Dropping the list altogether makes a plain v3 code of the same request: bound differently too.
    const dropped = makeRequestCode(productById('UCM')!, p.udi.uuid, p.devicePublicKey, p.nonce, p.digest!);
    const forged = await ledger.reserve({ account: 'Default', request: dropped, licenses: { UCM_Basic: 3 } }, T0 + 2 * MIN);
    const before = device.state;
    expect(refusal(() => device.run({ type: 'install', code: forged.code }, T0 + 3 * MIN)).code).toBe('altered-request');
    expect(refusal(() => device.run({ type: 'install', code: forged.code }, T0 + 3 * MIN)).message).toMatch(/cluster nodes/);
    expect(device.state).toBe(before);
    const rehosted = await ledger.rehost({ instance: p.udi.sn, request, reason: 'request altered in transit' }, T0 + 4 * MIN);
    device.run({ type: 'install', code: rehosted.code }, T0 + 5 * MIN);
    expect((await ledger.instances()).map((i) => i.nodes)).toEqual([['sub-a', 'sub-b']]);
    // The genuine request is used once.
    await expect(ledger.reserve({ account: 'Default', request, licenses: { UCM_Basic: 1 } }, T0 + 6 * MIN)).rejects.toMatchObject({ code: 'request-used' });
  });

  it('refuses a node list no device writes, before anything changes', async () => {
    const { ledger, request } = await world(['sub-a', 'sub-b']);
    const six = (values: number[]) => {
      const bits = values
        .map((v) => v.toString(2).padStart(6, '0'))
        .join('')
        .padEnd(40, '0');
      return Array.from({ length: 8 }, (_, i) => parseInt(bits.slice(5 * i, 5 * i + 5), 2));
    };
    const bad = {
      unsorted: nodeTailUnsorted(['b', 'a']),
      'a character outside the alphabet': six([63, 1]),
      empty: new Array<number>(8).fill(0),
      'an empty name between two': six([1, 0, 0, 2]),
      'a larger tail than the names need': [...nodeTail(['a']), ...new Array<number>(16).fill(0)],
      'a name starting with "-"': six([38 - 1, 1]),
      'padding bits that are not zero': [...nodeTail(['a']).slice(0, 7), 1],
    };
    for (const [what, tail] of Object.entries(bad)) {
      const code = withTail(request, tail);
      expect(refusal(() => parseRequestCode(code)).code, what).toBe('code-malformed');
      await expect(ledger.reserve({ account: 'Default', request: code, licenses: { UCM_Basic: 1 } }, T0 + MIN), what).rejects.toMatchObject({
        code: 'code-malformed',
      });
    }
    expect(await ledger.instances()).toEqual([]);
    // Every tail size round-trips, up to the most a cluster has.
    const most = Array.from({ length: MAX_CLUSTER_SUBSCRIBERS }, (_, i) => `node-${String(i).padStart(2, '0')}-${'x'.repeat(23)}`);
    expect(readNodeTail(nodeTail(most))).toEqual(most);
    expect(nodeTail(most).length).toBe(NODE_TAIL_SYMBOLS.at(-1));
  });

  it(`refuses a ${MAX_CLUSTER_SUBSCRIBERS + 1}st subscriber (join codes not used yet count), so every cluster's request fits`, () => {
    const names = Array.from({ length: MAX_CLUSTER_SUBSCRIBERS - 1 }, (_, i) => `n${i}`);
    const device = publisher(names);
    const pending = withJoin(device.state, 'last', 'h', T0);
    const r = refusal(() => withJoin(pending, 'one-more', 'h2', T0));
    expect(r.message).toMatch(/at most 20 subscribers; this one has 19 and 1 join code not used yet/);
    // Once the pending code expires, its place is free again.
    expect(withJoin(pending, 'one-more', 'h2', T0 + 2 * 86_400_000).cluster!.role).toBe('publisher');
  });
});

/** A tail with names in the order given (a device sorts them). */
function nodeTailUnsorted(names: readonly string[]): number[] {
  const CHARS = '\0abcdefghijklmnopqrstuvwxyz0123456789-';
  const bits = [...names.join('\0')]
    .map((c) => CHARS.indexOf(c).toString(2).padStart(6, '0'))
    .join('')
    .padEnd(40, '0');
  return Array.from({ length: 8 }, (_, i) => parseInt(bits.slice(5 * i, 5 * i + 5), 2));
}

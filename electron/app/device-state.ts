/**
 * The bridge's methods for the device's state and its settings: backup, restore and recovery (as `slr
 * backup|restore|recover`), its secure mode, SIP trunks and cluster (as `slr utils …`, `sip-trunk …`, `cluster …`).
 */
import { basename } from 'node:path';
import type { BridgeArgs, BridgeMethod, BridgeResults } from '../../shared/bridge.ts';
import { refuse } from '../../shared/errors.ts';
import { udiText } from '../../shared/instance/start-over.ts';
import { setSecurity } from '../../shared/instance/security.ts';
import { addSipTrunk, removeSipTrunk } from '../../shared/instance/sip-trunks.ts';
import type { InstanceService } from '../device/instance-service.ts';
import type { AppApi, AppPorts } from './ports.ts';

type DeviceStateMethods = Pick<
  AppApi,
  Extract<
    BridgeMethod,
    'instanceBackup' | 'instanceRestore' | 'instanceRecover' | 'instanceStartOver' | 'instanceSecurity' | 'instanceSipTrunk' | 'instanceCluster'
  >
>;

const JSON_FILES = [{ name: 'Product-instance backup', extensions: ['json'] }];

export function deviceStateMethods(instance: InstanceService, ports: AppPorts): DeviceStateMethods {
  return {
    async instanceBackup() {
      const now = ports.now();
      const defaultName = `product-instance-backup-${new Date(now).toISOString().replace(/[-:]|\.\d+/g, '')}.json`;
      const path = await ports.dialogs.save({ title: 'Save a backup of this product instance', defaultName, filters: JSON_FILES });
      if (!path) return null;
      await instance.backup(path, now);
      return { file: basename(path) };
    },
    async instanceRestore({ replace }) {
      const path = await ports.dialogs.open({ title: 'Restore a backup of this product instance', filters: JSON_FILES });
      if (!path) return null;
      const r = await instance.restore(path, ports.now(), replace);
      return { file: basename(path), madeAt: r.madeAt, setAside: r.replaced ? basename(r.replaced) : null };
    },
    async instanceRecover(keys) {
      const trust = [...(ports.provisionedKeys ?? []), ...keys.map((k) => ({ text: k.text, label: k.label }))];
      const r = await instance.recover(ports.now(), trust);
      return { problem: r.problem, trustedKeys: r.state.trustedKeys.map((k) => k.id), reservationKept: r.reservationKept };
    },
    async instanceSecurity(on) {
      const now = ports.now();
      const message = await instance.transact(now, async (state) => {
        const r = setSecurity(state, on, now);
        return { state: r.state, value: r.message };
      });
      return { message };
    },
    async instanceSipTrunk(input) {
      const now = ports.now();
      const message = await instance.transact(now, async (state) => {
        const r = input.op === 'add' ? addSipTrunk(state, input, now) : removeSipTrunk(state, input.name);
        return { state: r.state, value: r.message };
      });
      return { message };
    },
    instanceCluster: (input) => clusterAction(instance, input, ports.now()),
    async instanceStartOver() {
      const r = await instance.startOver(ports.now());
      return { udi: udiText(r.state), previousUdi: r.previousUdi, setAside: basename(r.setAside) };
    },
  };
}

/** The cluster's commands from the app's Settings (electron/device/cluster-service.ts; the service itself is `slr cluster serve`). */
async function clusterAction(instance: InstanceService, input: BridgeArgs<'instanceCluster'>[0], now: number): Promise<BridgeResults['instanceCluster']> {
  const cluster = await import('../device/cluster-service.ts');
  if (input.op === 'add-node') {
    const joinCode = await cluster.addNode(instance, input.name, now);
    return { message: `Join code made for node "${input.name}" (valid 24 hours, once).`, joinCode };
  }
  if (input.op === 'join') {
    const udi = await cluster.joinCluster(instance, publisherUrl(input.publisher), input.code.trim(), now);
    return { message: `Joined the cluster of ${udi}.`, joinCode: null };
  }
  if (input.op === 'remove-node') {
    await cluster.removeNode(instance, input.name, now);
    return { message: `Node "${input.name}" removed from the cluster: its usage no longer counts.`, joinCode: null };
  }
  const r = await cluster.leaveCluster(instance, now, input.force);
  return {
    message: r.told
      ? 'Left the cluster: standalone now.'
      : `Left the cluster without telling the publisher (${r.publisher}): it counts this node until it removes it.`,
    joinCode: null,
  };
}

/** The publisher's cluster service as typed: http(s)://HOST:PORT (the cluster's own network; every message is signed). */
function publisherUrl(text: string): string {
  const url = URL.canParse(text.trim()) ? new URL(text.trim()) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    refuse(
      'bad-request',
      `"${text.slice(0, 100)}" is not the address of a publisher's cluster service.`,
      'Give it as http://HOST:PORT, where `slr cluster serve` listens on the publisher.',
    );
  return url.origin;
}

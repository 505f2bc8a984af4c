/** The bridge's methods for the device's state at rest: backup, restore and recovery, over the same service as `slr backup|restore|recover`. */
import { basename } from 'node:path';
import type { BridgeMethod } from '../../shared/bridge.ts';
import { udiText } from '../../shared/instance/start-over.ts';
import { setSecurity } from '../../shared/instance/security.ts';
import { addSipTrunk, removeSipTrunk } from '../../shared/instance/sip-trunks.ts';
import type { InstanceService } from '../device/instance-service.ts';
import type { AppApi, AppPorts } from './ports.ts';

type DeviceStateMethods = Pick<
  AppApi,
  Extract<BridgeMethod, 'instanceBackup' | 'instanceRestore' | 'instanceRecover' | 'instanceStartOver' | 'instanceSecurity' | 'instanceSipTrunk'>
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
    async instanceStartOver() {
      const r = await instance.startOver(ports.now());
      return { udi: udiText(r.state), previousUdi: r.previousUdi, setAside: basename(r.setAside) };
    },
  };
}

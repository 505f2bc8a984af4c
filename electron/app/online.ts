/**
 * Smart Licensing online in the app (the product instance's half): register, the Actions menu, Update Usage
 * Details, Transport Settings, privacy, and the timer's calls that are due. The same operations as the CLI's
 * `slr license smart …` (online-service.ts), on the same state.
 */
import type { BridgeArgs, BridgeMethod, BridgeResults } from '../../shared/bridge.ts';
import type { InstanceService } from '../device/instance-service.ts';
import { catchUp, deregister, onlineOperation, register, renewAuth, renewId, reportUsage } from '../device/online-service.ts';
import { setPrivacy, setTransport } from '../device/online-settings.ts';
import { exportCancel, exportRequest, exportReturn } from '../device/export-service.ts';

type Methods<M extends BridgeMethod> = { [K in M]: (...args: BridgeArgs<K>) => Promise<BridgeResults[K]> };
export type OnlineMethods = Methods<Extract<BridgeMethod, `instanceSmart${string}`>>;

const ACTIONS = { 'renew-auth': renewAuth, 'renew-id': renewId, 'usage-report': reportUsage, deregister } as const;

export function onlineApi(instance: InstanceService, now: () => number): OnlineMethods {
  return {
    instanceSmartRegister: ({ token, force }) => onlineOperation(instance, now(), (s, secrets) => register(s, secrets, token, force)),
    instanceSmartAction: (action) => onlineOperation(instance, now(), ACTIONS[action]),
    instanceSmartTransport: (input) => onlineOperation(instance, now(), (s, secrets) => setTransport(s, secrets, input)),
    instanceSmartPrivacy: (hidden) => onlineOperation(instance, now(), (s) => setPrivacy(s, hidden)),
    instanceSmartCatchUp: async () => (instance.exists() ? catchUp(instance, now()) : null),
    instanceSmartExport: (input) =>
      onlineOperation(instance, now(), (s, secrets) =>
        input.op === 'cancel' ? exportCancel(s) : input.op === 'request' ? exportRequest(s, secrets, input.feature) : exportReturn(s, secrets, input.feature),
      ),
  };
}

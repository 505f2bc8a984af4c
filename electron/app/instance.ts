/** The product-instance half of the bridge API: the device's commands, an authorization code inspected, trust. */
import { formatUdi } from '../../shared/udi.ts';
import type { BridgeMethod } from '../../shared/bridge.ts';
import type { InstanceService } from '../device/instance-service.ts';
import { chooseKeyFile, result, type AppApi, type AppPorts } from './ports.ts';

type InstanceMethods = Pick<
  AppApi,
  Extract<
    BridgeMethod,
    'instanceInit' | 'instanceCommand' | 'instanceInspect' | 'instanceInstall' | 'instanceReturnAuthorization' | 'instanceTrustFromFile' | 'instanceTrustRemove'
  >
>;

export function instanceMethods(instance: InstanceService, ports: AppPorts, instanceView: AppApi['instanceView']): InstanceMethods {
  return {
    async instanceInit(pid) {
      await instance.init(pid, ports.now(), ports.provisionedKeys ?? []);
      return instanceView();
    },
    instanceCommand: async (command) => result(await instance.run(command, ports.now())),
    async instanceInspect(code) {
      const i = await instance.inspect(code, ports.now());
      const signer = i.signer;
      return {
        piid: i.code.piid,
        issuedAt: Number(i.code.timestamp),
        udi: formatUdi(i.code.udi),
        udiMatches: i.udiMatches,
        signer: signer ? { id: signer.id, label: signer.label } : null,
        entitlements: i.code.entitlements,
        problems: i.problems,
        isUpdate: i.isUpdate,
        impact: i.impact,
      };
    },
    async instanceInstall(code) {
      return result(await instance.run({ type: 'install', code }, ports.now()));
    },
    async instanceReturnAuthorization(code) {
      return result(await instance.run({ type: 'return-authorization', code }, ports.now()));
    },
    async instanceTrustFromFile() {
      const file = await chooseKeyFile(ports.dialogs);
      return file && result(await instance.trust(file.text, file.name, ports.now()));
    },
    async instanceTrustRemove(id) {
      return result(await instance.run({ type: 'trust-remove', id }, ports.now()));
    },
  };
}

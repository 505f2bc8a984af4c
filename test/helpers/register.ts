// A registration request as a product instance makes it (its key's proof over the request, a fresh nonce),
// for tests that drive License Central's ledger directly; `signer` signs instead of the device (an adversary),
// with its own key or claiming the device's.
import { randomBytes } from 'node:crypto';
import { toBase64 } from '../../shared/bytes.ts';
import { deviceCallMessage, registerMessage } from '../../shared/registration/protocol.ts';
import { formatUdi } from '../../shared/udi.ts';
import { cryptoBasics, privateKeyOps } from '../../electron/platform/crypto.ts';
import type { RegisterInput } from '../../electron/authority/ledger/register.ts';
import type { DeviceCall } from '../../electron/authority/ledger/registrations.ts';
import type { Device } from './world.ts';

export function registerInput(
  device: Pick<Device, 'udi' | 'privateKey' | 'state'>,
  token: string,
  options: { force?: boolean; trustedKeyIds: readonly string[]; signer?: Pick<Device, 'privateKey' | 'state'>; claimDeviceKey?: boolean },
): RegisterInput {
  const key = options.signer ?? device;
  // An adversary may claim the device's own key while signing with theirs (no proof of possession).
  const claimed = options.claimDeviceKey ? device : key;
  const fields = {
    token,
    udi: formatUdi(device.udi),
    devicePublicKey: claimed.state.deviceKey.publicKey,
    hostname: null,
    force: options.force ?? false,
    trustedKeyIds: options.trustedKeyIds,
    nonce: randomBytes(16).toString('base64url'),
  };
  return { ...fields, proof: toBase64(privateKeyOps(key.privateKey).sign(registerMessage(cryptoBasics, fields))) };
}

/** A registered device's call (usage, renewal, deregistration) signed with `privateKey`, as the server runs it. */
export function signedCall(privateKey: string, instance: string, seq: number, operation: string, body: object = {}): DeviceCall {
  const text = JSON.stringify(body);
  const signature = privateKeyOps(privateKey).sign(deviceCallMessage(cryptoBasics, { operation, instance, seq, body: text }));
  return { instance, seq, signature: toBase64(signature), operation, body: text };
}

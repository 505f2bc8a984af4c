/**
 * The product-instance service: the one place that loads, verifies, changes and saves a device's state.
 * The CLI and the Electron main process both call it; they differ only in the key-value store they hand it
 * (conf for the CLI, electron-store for the app: the same JSON file) and in how the device key is sealed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Conf from 'conf';
import { findEntitlement, productById } from '../../shared/catalog.ts';
import { refuse } from '../../shared/errors.ts';
import { toBase64 } from '../../shared/bytes.ts';
import { execute, createInstance, inspectCode, type Command, type Inspection, type Outcome } from '../../shared/instance/commands.ts';
import { validateInstanceState } from '../../shared/instance/schema.ts';
import { REGISTRATION, type InstanceState, type DeviceKeyRecord } from '../../shared/instance/state.ts';
import type { DeviceCrypto } from '../../shared/ports.ts';
import { deriveStatus, installedCode, type InstanceStatus } from '../../shared/instance/status.ts';
import { makeUdi, sameUdi } from '../../shared/udi.ts';
import { compressedPublicKey, deviceCrypto, generateKeyPair, keyId, loadPublicKey, verifyMessage } from './crypto.ts';
import { withDirLock } from './lock.ts';
import { INSTANCE_STORE } from './paths.ts';

/** The part of conf / electron-store this service uses. */
export interface KeyValueStore {
  store: Record<string, unknown>;
  readonly path: string;
}
export type StoreFactory = (dir: string, name: string) => KeyValueStore;

export const confStore: StoreFactory = (cwd, configName) =>
  new Conf<Record<string, unknown>>({
    cwd, configName, projectName: 'slr-desk', configFileMode: 0o600, clearInvalidConfig: false, watch: false, accessPropertiesByDotNotation: false,
  });

/** How the device private key is kept at rest; the app seals it with the OS keychain where there is one. */
export interface KeySealer {
  seal(privateKeyPem: string): Promise<DeviceKeyRecord['privateKey']>;
  unseal(record: DeviceKeyRecord['privateKey']): Promise<string>;
}

export const plainKeySealer: KeySealer = {
  seal: async (value) => ({ format: 'pkcs8-pem', value }),
  unseal: async (record) => {
    if (record.format !== 'pkcs8-pem') {
      refuse('key-sealed', 'The device key is sealed by the desktop app with the operating system\'s secret storage, which this command cannot open.', 'Use the SLR Desk app for this product instance.');
    }
    return record.value;
  },
};

export interface InstanceServiceOptions {
  readonly dir: string;
  readonly stores?: StoreFactory;
  readonly sealer?: KeySealer;
}

export interface InstanceService {
  readonly dir: string;
  exists(): boolean;
  init(productId: string, now: number): Promise<InstanceState>;
  load(): InstanceState;
  status(now: number): InstanceStatus;
  run(command: Command, now: number): Promise<Outcome>;
  /** What an authorization code holds and whether it can be installed, without installing it. */
  inspect(code: string): Promise<Inspection>;
  /** Adds a License Central public key (PEM text) to the keys this device trusts. */
  trust(pem: string, label: string, now: number): Promise<Outcome>;
}

export function instanceService({ dir, stores = confStore, sealer = plainKeySealer }: InstanceServiceOptions): InstanceService {
  const filePath = () => join(dir, `${INSTANCE_STORE}.json`);
  const store = () => stores(dir, INSTANCE_STORE);

  function load(): InstanceState {
    if (!existsSync(filePath())) {
      refuse('no-instance', `No product instance in ${dir}.`, 'Create one with `slr init --pid UCM` (or CUC), or name another directory with --home.');
    }
    let raw: unknown;
    try {
      raw = store().store;
    } catch (e) {
      refuse('state-corrupt', `The state file ${filePath()} cannot be read: ${(e as Error).message}`, 'Restore it from a backup.');
    }
    const state = validateInstanceState(raw);
    verifyInstalled(state);
    return state;
  }

  /** An installed code is verified again on every load: editing the file cannot raise counts. */
  function verifyInstalled(state: InstanceState): void {
    if (!state.installed) return;
    const signer = state.trustedKeys.find((k) => k.id === state.installed!.signerKeyId);
    const tampered = (why: string): never =>
      refuse('state-tampered', `The installed authorization code in ${filePath()} failed verification: ${why}.`, 'The state file was changed outside SLR Desk; restore it from a backup.');
    let code;
    try {
      code = installedCode(state)!;
    } catch (e) {
      return tampered((e as Error).message);
    }
    if (!signer || !verifyMessage(signer.publicKey, code.signedBytes, code.signature)) tampered('its signature does not verify');
    const product = productById(state.product)!;
    if (!sameUdi(code.udi, makeUdi(product, state.uuid))) tampered('it is bound to another UDI');
    if (code.entitlements.some((e) => !findEntitlement(product, e.tag))) tampered('it names a license this product does not have');
  }

  function save(state: InstanceState): void {
    store().store = state as unknown as Record<string, unknown>;
  }

  const cryptoFor = async (state: InstanceState) => deviceCrypto(await sealer.unseal(state.deviceKey.privateKey));
  /** Only commands that make a confirmation or return code need the (possibly sealed) device key. */
  const needsKey = (command: Command, state: InstanceState) =>
    command.type === 'return' || command.type === 'return-authorization' || (command.type === 'install' && state.registration === REGISTRATION.registered);
  const verifyOnly: DeviceCrypto = {
    verify: verifyMessage,
    mac: () => { throw new Error('this command does not use the device key'); },
  };

  return {
    dir,
    exists: () => existsSync(filePath()),
    load,
    status: (now) => deriveStatus(load(), now),
    async init(productId, now) {
      const product = productById(productId.toUpperCase());
      if (!product) refuse('bad-product', `Unknown product "${productId}".`, 'Use --pid UCM (Unified CM) or --pid CUC (Unity Connection).');
      return withDirLock(dir, 'product instance', async () => {
        if (existsSync(filePath())) {
          refuse('instance-exists', `A product instance already exists in ${dir}.`, 'Its identity and key are made once; use another --home for another instance.');
        }
        const keys = generateKeyPair();
        const deviceKey: DeviceKeyRecord = { publicKey: toBase64(compressedPublicKey(keys.publicKey)), privateKey: await sealer.seal(keys.privateKey) };
        const state = createInstance({ product, uuid: randomUUID(), deviceKey, now });
        save(state);
        return state;
      });
    },
    async run(command, now) {
      return withDirLock(dir, 'product instance', async () => {
        const state = load();
        const outcome = execute(state, command, { now, crypto: needsKey(command, state) ? await cryptoFor(state) : verifyOnly });
        if (outcome.state !== state) save(outcome.state);
        return outcome;
      });
    },
    async inspect(code) {
      const state = load();
      return inspectCode(state, code, verifyOnly);
    },
    async trust(pem, label, now) {
      let id: string;
      try {
        loadPublicKey(pem);
        id = keyId(pem);
      } catch (e) {
        return refuse('bad-key', `This is not a License Central public key (PEM, P-256): ${(e as Error).message}.`, 'Use the file made by `slr authority key export`.');
      }
      return this.run({ type: 'trust-add', key: { id, publicKey: loadPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString(), label } }, now);
    },
  };
}

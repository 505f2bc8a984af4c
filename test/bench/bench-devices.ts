/** Fresh devices for the benches: each trusting a ledger's key, reservation enabled, its request code made. */
import { randomUUID } from 'node:crypto';
import { productById } from '../../shared/catalog.ts';
import { execute, type Command } from '../../shared/instance/commands.ts';
import { createInstance } from '../../shared/instance/rules.ts';
import type { InstanceState } from '../../shared/instance/state.ts';
import { toBase64 } from '../../shared/bytes.ts';
import { compressedPublicKey, deviceCrypto, generateKeyPair } from '../../electron/platform/crypto.ts';
import type { Ledger } from '../../electron/authority/ledger.ts';

const T0 = Date.UTC(2026, 0, 1);
const ucm = productById('UCM')!;

export interface BenchDevice {
  state: InstanceState;
  readonly crypto: ReturnType<typeof deviceCrypto>;
  readonly request: string;
}

/** N fresh devices trusting `ledger`'s key, each with its request code made. */
export async function devices(ledger: Ledger, n: number): Promise<BenchDevice[]> {
  const key = await ledger.exportKey();
  return Array.from({ length: n }, () => {
    const pair = generateKeyPair();
    const crypto = deviceCrypto(pair.privateKey);
    let state = createInstance({
      product: ucm,
      uuid: randomUUID(),
      deviceKey: { publicKey: toBase64(compressedPublicKey(pair.publicKey)), privateKey: { format: 'pkcs8-pem', value: pair.privateKey } },
      now: T0,
    });
    const setup: Command[] = [
      { type: 'trust-add', chain: [{ id: key.id, publicKey: key.pem, endorsement: null }], label: 'bench' },
      { type: 'enable' },
      { type: 'request' },
    ];
    for (const c of setup) state = execute(state, c, { now: T0, crypto }).state;
    return { state, crypto, request: state.lastRequest!.code };
  });
}

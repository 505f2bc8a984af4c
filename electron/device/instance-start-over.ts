/**
 * The way out for a device whose key is sealed where this process cannot open it (the app's OS secret
 * store, reset or belonging to another computer or user): a read says so, and starting over sets the state
 * aside (renamed beside it, never deleted) and makes a new product instance under shared/instance/start-over.ts.
 * Allowed only while the key really cannot be opened: a device whose key opens is never replaced this way.
 */
import { renameSync } from 'node:fs';
import { isSlrError, refuse, type SlrError } from '../../shared/errors.ts';
import { startedOver, udiText } from '../../shared/instance/start-over.ts';
import type { InstanceState } from '../../shared/instance/state.ts';
import { productOf } from '../../shared/instance/status.ts';
import type { ProductProfile } from '../../shared/catalog.ts';
import type { KeySealer } from '../platform/key-sealer.ts';
import type { SealedStore } from './instance-store.ts';

/** Why the device key cannot be opened here, or null when it opens. */
export async function deviceKeyProblem(state: InstanceState, sealer: KeySealer): Promise<SlrError | null> {
  try {
    await sealer.unseal(state.deviceKey.privateKey);
    return null;
  } catch (e) {
    if (isSlrError(e) && e.code === 'key-sealed') return e;
    throw e;
  }
}

export interface StartedOver {
  readonly state: InstanceState;
  readonly previousUdi: string;
  readonly setAside: string;
}

type Create = (product: ProductProfile, trust: readonly { text: string; label: string }[]) => Promise<InstanceState>;

export async function startOverInstance(store: SealedStore, sealer: KeySealer, now: number, create: Create): Promise<StartedOver> {
  if (!store.exists()) refuse('no-instance', `There is no product instance in ${store.file} to start over from.`, 'Create one.');
  const previous = store.load();
  const problem = await deviceKeyProblem(previous, sealer);
  if (!problem)
    refuse(
      'not-allowed',
      `The device key of ${udiText(previous)} opens: this product instance is not started over.`,
      'Nothing was changed. Starting over is only for a device whose key can no longer be opened.',
    );
  const setAside = `${store.file}.set-aside-${new Date(now).toISOString().replace(/[-:.]/g, '')}`;
  renameSync(store.file, setAside);
  try {
    const trust = previous.trustedKeys.map((k) => ({ text: k.publicKey, label: k.label }));
    const fresh = await create(productOf(previous), trust);
    const state = startedOver(fresh, previous, setAside, problem.message, now);
    store.save(state);
    return { state, previousUdi: udiText(previous), setAside };
  } catch (e) {
    renameSync(setAside, store.file);
    throw e;
  }
}

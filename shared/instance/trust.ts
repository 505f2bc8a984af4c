/**
 * Which License Central keys a device trusts. It is provisioned with keys (at `init --trust`, or by its first
 * `trust add` while it trusts none, or by keys built into a packaged app); after that it accepts a key only
 * with a chain of endorsements that starts at a key it already trusts. The operator cannot make the device
 * trust a key of their own choosing.
 */
import { endorsementMessage } from '../codes/key-file.ts';
import { refuse } from '../errors.ts';
import type { DeviceCrypto } from '../ports.ts';
import type { TrustedKey } from './state.ts';

/** A key of an offered chain, with its id (computed on the Node side from the key's DER). */
export interface OfferedKey {
  readonly id: string;
  readonly publicKey: string;
  /** Signature of the previous key of the chain over endorsementMessage(publicKey); null for the first. */
  readonly endorsement: Uint8Array | null;
}

const GET_ENDORSED = 'On License Central, export the key with `slr authority key export --out FILE` (the file carries its endorsements), and add that file.';

/**
 * The keys of `chain` this device adds: all of them when it trusts none yet or is being provisioned (at its
 * creation), else those endorsed from a key it trusts.
 */
export function keysToTrust(
  trusted: readonly TrustedKey[],
  chain: readonly OfferedKey[],
  crypto: Pick<DeviceCrypto, 'verify'>,
  provisioning = false,
): OfferedKey[] {
  if (chain.length === 0) refuse('bad-key', 'The key file holds no key.', GET_ENDORSED);
  const isTrusted = (id: string) => trusted.some((k) => k.id === id);
  // The chain must hold together from its first key, whatever the device trusts.
  chain.forEach((link, i) => {
    if (i === 0) return;
    if (!link.endorsement || !crypto.verify(chain[i - 1]!.publicKey, endorsementMessage(link.publicKey), link.endorsement)) {
      refuse(
        'endorsement-invalid',
        `The endorsement of key ${link.id} by key ${chain[i - 1]!.id} does not verify: the key file was changed or is not from License Central.`,
        GET_ENDORSED,
      );
    }
  });
  if (trusted.length === 0 || provisioning) {
    const added = chain.filter((k) => !isTrusted(k.id));
    if (added.length === 0) refuse('already-trusted', `The key ${chain[chain.length - 1]!.id} is already trusted.`, 'Nothing changed.');
    return added;
  }
  let anchor = -1;
  chain.forEach((link, i) => {
    if (isTrusted(link.id)) anchor = i;
  });
  if (anchor < 0) {
    refuse(
      'key-not-endorsed',
      `This device already trusts License Central key${trusted.length === 1 ? '' : 's'} ${trusted.map((k) => k.id).join(', ')}; ` +
        `key ${chain[chain.length - 1]!.id} is not endorsed by ${trusted.length === 1 ? 'it' : 'any of them'}, so it is not accepted.`,
      GET_ENDORSED,
    );
  }
  const added = chain.slice(anchor + 1).filter((k) => !isTrusted(k.id));
  if (added.length === 0) refuse('already-trusted', `The key ${chain[chain.length - 1]!.id} is already trusted.`, 'Nothing changed.');
  return added;
}

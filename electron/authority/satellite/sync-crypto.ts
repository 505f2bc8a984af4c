/**
 * Signing and checking sync files (shared/authority/sync-file.ts) with License Central's signing keys. A file
 * carries its sender's key file; the receiver accepts it when its last key is one it pinned, or is endorsed
 * from one it pinned (a rotated key; then pinned too), and the signature verifies under that key.
 */
import { createHash } from 'node:crypto';
import { refuse } from '../../../shared/errors.ts';
import { keysToTrust } from '../../../shared/instance/trust.ts';
import {
  formatSyncFile,
  payloadOf,
  syncMessage,
  SYNC_FORMAT,
  type SyncEnvelope,
  type SyncKind,
  type SyncPayload,
} from '../../../shared/authority/sync-file.ts';
import { fromBase64, toBase64 } from '../../../shared/bytes.ts';
import { verifyingCrypto, verifyMessage } from '../../platform/crypto.ts';
import { offeredChain } from '../../platform/key-chain.ts';
import { exportKey } from '../keys/keys.ts';
import { signingKey } from '../ledger/signing.ts';
import type { LedgerStore } from '../ledger/store.ts';

/** A key a License Central pinned for its peer (the parent's at a satellite, a satellite's at the parent). */
export interface PinnedKey {
  readonly id: string;
  readonly publicKey: string;
}

export interface SignedFile {
  readonly text: string;
  /** The same file as an object: what travels over HTTPS in connected mode. */
  readonly envelope: SyncEnvelope;
  /** What a replay is known by: the kind and the exact payload signed. */
  readonly digest: string;
}

export const syncDigest = (kind: SyncKind, payload: string) => createHash('sha256').update(`${kind}|${payload}`, 'utf8').digest('hex');

/** A sync file of `kind` from this ledger, signed with its active signing key. */
export async function signSyncFile<K extends SyncKind>(c: LedgerStore, kind: K, from: string, payload: SyncPayload<K>, title: string): Promise<SignedFile> {
  const key = await signingKey(c);
  const text = JSON.stringify(payload);
  const storage = await c.keyStorage();
  const signature = storage.open(key.id, key.private_key).sign(syncMessage(kind, from, text));
  const keyFile = (await exportKey(c, key.id)).file;
  const envelope: SyncEnvelope = { format: SYNC_FORMAT, kind, from, payload: text, keyFile, signature: toBase64(signature) };
  return { text: formatSyncFile(envelope, title), envelope, digest: syncDigest(kind, text) };
}

export interface CheckedFile<K extends SyncKind> {
  readonly payload: SyncPayload<K>;
  readonly from: string;
  readonly digest: string;
  /** The keys to pin from now on (what was pinned, and any key endorsed from it). */
  readonly keys: PinnedKey[];
}

/**
 * Reads a sync file's envelope (parsed once, by whoever received it) as `kind` and checks its signature against `pinned` (null: first contact, the file's own
 * keys are taken, as a device is provisioned). `peer` names the sender in refusals.
 */
export function checkSyncFile<K extends SyncKind>(envelope: SyncEnvelope, kind: K, pinned: readonly PinnedKey[] | null, peer: string): CheckedFile<K> {
  const chain = offeredChain(envelope.keyFile);
  const signer = chain[chain.length - 1];
  if (!signer) refuse('bad-sync-file', 'The sync file carries no key.');
  let keys: PinnedKey[];
  if (pinned === null) {
    keysToTrust([], chain, verifyingCrypto, true);
    keys = chain.map(({ id, publicKey }) => ({ id, publicKey }));
  } else if (pinned.some((k) => k.id === signer.id)) {
    keys = [...pinned];
  } else {
    try {
      const added = keysToTrust(
        pinned.map((k) => ({ ...k, label: peer, addedAt: 0 })),
        chain,
        verifyingCrypto,
      );
      keys = [...pinned, ...added.map(({ id, publicKey }) => ({ id, publicKey }))];
    } catch {
      refuse(
        'sync-untrusted',
        `This file is signed with key ${signer.id}, which is not ${peer}'s (pinned: ${pinned.map((k) => k.id).join(', ')}) nor endorsed by it: nothing was applied.`,
        `Use the file ${peer} made. If ${peer} was set up again from scratch, enrol it again.`,
      );
    }
  }
  const signature = fromBase64(envelope.signature);
  if (!signature || !verifyMessage(signer.publicKey, syncMessage(envelope.kind, envelope.from, envelope.payload), signature))
    refuse(
      'sync-untrusted',
      `The signature of this ${envelope.kind} file does not verify: it was altered after ${peer} signed it, or is not from ${peer}. Nothing was applied.`,
      'Carry the file again from where it was made, unchanged.',
    );
  return { payload: payloadOf(envelope, kind), from: envelope.from, digest: syncDigest(envelope.kind, envelope.payload), keys };
}

/**
 * The device state's seal (shared/instance/seal.ts says what it covers): HMAC-SHA256 under a key derived
 * (HKDF-SHA256) from the device's private key, so only whoever can use the device key can seal a state.
 */
import { createHmac, createPrivateKey, hkdfSync } from 'node:crypto';
import { refuse } from '../../shared/errors.ts';
import { sealInput, sealProblem, SEAL_FIELD, logHead, type StateSeal } from '../../shared/instance/seal.ts';

/** The key that seals a device's state, from its private key (PEM). */
export function stateSealKey(privateKeyPem: string): Buffer {
  let der: Buffer;
  try {
    der = createPrivateKey(privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  } catch {
    return refuse(
      'state-tampered',
      'The device key in the state file cannot be read (it was changed outside SLR Desk, or damaged): the state cannot be checked.',
      'Restore product-instance.json from a backup. Without its device key the instance cannot be recovered: make a new one (`slr init`) and rehost its licenses at License Central.',
    );
  }
  return Buffer.from(hkdfSync('sha256', der, 'slr-desk/state-seal', 'SLR-STATE-1', 32));
}

const macOf = (key: Buffer, saved: Readonly<Record<string, unknown>>, head: { events: number; head: string | null }) =>
  createHmac('sha256', key).update(sealInput(saved, head), 'utf8').digest('base64url');

/** The state as saved: its fields and its seal. */
export function sealed(saved: Readonly<Record<string, unknown>>, key: Buffer): Record<string, unknown> {
  const head = logHead(saved.events as { hash?: string }[]);
  const seal: StateSeal = { v: 1, ...head, mac: macOf(key, saved, head) };
  return { ...saved, [SEAL_FIELD]: seal };
}

/** Why a saved state does not match its seal, or null. */
export const unsealedProblem = (saved: Readonly<Record<string, unknown>>, key: Buffer): string | null => sealProblem(saved, (head) => macOf(key, saved, head));

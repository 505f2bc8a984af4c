/** A License Central key file read as the chain shared/instance/trust.ts checks: each key's id from its DER, its PEM in one canonical form. */
import { parseKeyFile } from '../../shared/codes/key-file.ts';
import { refuse } from '../../shared/errors.ts';
import type { OfferedKey } from '../../shared/instance/trust.ts';
import { keyId, loadPublicKey } from './crypto.ts';

export function offeredChain(keyFile: string): OfferedKey[] {
  return parseKeyFile(keyFile).map((link) => {
    try {
      const pem = loadPublicKey(link.publicKey).export({ type: 'spki', format: 'pem' }).toString();
      return { id: keyId(pem), publicKey: pem, endorsement: link.endorsement };
    } catch (e) {
      return refuse(
        'bad-key',
        `This is not a License Central public key (PEM, P-256): ${(e as Error).message}.`,
        'Use the file made by `slr authority key export`.',
      );
    }
  });
}

/**
 * License Central's key file: the public key devices trust, with the chain of endorsements that lets a
 * device already provisioned with an older key accept it. The text is PEM blocks, oldest key first:
 *
 *   -----BEGIN PUBLIC KEY-----            the first key (the one devices were provisioned with)
 *   -----BEGIN PUBLIC KEY-----            the next key …
 *   -----BEGIN SLR DESK ENDORSEMENT-----  … and its endorsement: the previous key's signature over it
 *   …                                     (the exported key is the last one)
 *
 * A file with a single public key and no endorsement is what provisioning takes (a device that trusts no
 * key yet). Comment lines (#) are allowed before the first block.
 */
import { fromBase64, toBase64, utf8 } from '../bytes.ts';
import { refuse } from '../errors.ts';
import { LIMITS } from '../limits.ts';

export interface ChainLink {
  /** PEM SubjectPublicKeyInfo, as in the file. */
  readonly publicKey: string;
  /** The previous link's signature over endorsementMessage(publicKey): null for the first link only. */
  readonly endorsement: Uint8Array | null;
}

export const MAX_KEY_FILE = LIMITS.keyFileBytes;
const MAX_LINKS = 20;
const BLOCK = /-----BEGIN ([A-Z ]+)-----([^-]*)-----END ([A-Z ]+)-----/g;

/** What an endorsement signs: the endorsed key's DER, as the base64 of its PEM body. */
export function endorsementMessage(publicKeyPem: string): Uint8Array {
  return utf8(`slr-desk/endorse/v1|${publicKeyPem.replace(/-----[A-Z ]+-----|\s/g, '')}`);
}

function bad(message: string): never {
  return refuse('bad-key', `This is not a License Central key file: ${message}`, 'Use the file made by `slr authority key export --out FILE`.');
}

/** True when the text is a License Central key file (a public key, with or without endorsements), not a code. */
export function looksLikeKeyFile(text: string): boolean {
  return /-----BEGIN PUBLIC KEY-----/.test(text) && !/<specificPLR>/.test(text);
}

export function parseKeyFile(text: string): ChainLink[] {
  if (text.length > MAX_KEY_FILE) bad(`it is ${text.length} characters long; a key file has at most ${MAX_KEY_FILE}.`);
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const blocks = [...body.matchAll(BLOCK)];
  const outside = body
    .replace(BLOCK, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (outside.length) bad(`it contains "${outside[0]!.slice(0, 40)}" outside its PEM blocks.`);
  if (!blocks.length) bad('it holds no PEM block (-----BEGIN PUBLIC KEY-----).');
  const links: { publicKey: string; endorsement: Uint8Array | null }[] = [];
  for (const [whole, begin, content, end] of blocks) {
    if (begin !== end) bad(`a block begins as ${begin} and ends as ${end}.`);
    if (begin === 'PUBLIC KEY') {
      if (links.length > 1 && !links[links.length - 1]!.endorsement) bad(`public key ${links.length + 1} follows a key that has no endorsement.`);
      links.push({ publicKey: `${whole.trim()}\n`, endorsement: null });
      if (links.length > MAX_LINKS) bad(`it holds more than ${MAX_LINKS} keys.`);
    } else if (begin === 'SLR DESK ENDORSEMENT') {
      const last = links[links.length - 1];
      if (!last || links.length === 1 || last.endorsement) bad('an endorsement does not follow the key it endorses.');
      const signature = fromBase64(content!.replace(/\s/g, ''));
      if (!signature) bad('an endorsement is not base64.');
      last.endorsement = signature;
    } else {
      bad(`it holds a ${begin} block; only PUBLIC KEY and SLR DESK ENDORSEMENT blocks belong in it.`);
    }
  }
  if (links.length > 1 && !links[links.length - 1]!.endorsement) bad(`the last key (${links.length}) has no endorsement.`);
  return links;
}

const wrap = (b64: string) => b64.match(/.{1,64}/g)!.join('\n');

export function formatKeyFile(links: readonly ChainLink[], comment: string): string {
  const blocks = links.map((l, i) => {
    const key = l.publicKey.trim();
    if (i === 0) return key;
    return `${key}\n-----BEGIN SLR DESK ENDORSEMENT-----\n${wrap(toBase64(l.endorsement!))}\n-----END SLR DESK ENDORSEMENT-----`;
  });
  return `${comment
    .split('\n')
    .map((l) => `# ${l}`)
    .join('\n')}\n${blocks.join('\n')}\n`;
}

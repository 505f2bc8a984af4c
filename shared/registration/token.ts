/**
 * The Product Instance Registration Token of Smart Licensing online (the seeds' other mode): text an operator
 * pastes on a device, carrying what the device needs to reach and trust License Central's server (its URL and
 * certificate fingerprint) and what the token allows, signed by one of License Central's signing keys, the
 * keys devices already trust, so a device detects a tampered token before it sends anything.
 *
 *   SLRT1.<base64url of the payload's JSON>.<base64url of the ECDSA P-256 / SHA-256 signature, DER>
 */
import { z } from 'zod/mini';
import '../schema-messages.ts';
import { fromBase64, toBase64, utf8 } from '../bytes.ts';
import { refuse } from '../errors.ts';

export const TOKEN_PREFIX = 'SLRT1';
/** A token is short text; anything longer is not one. */
export const TOKEN_MAX_CHARS = 4096;

export const tokenPayload = z.strictObject({
  /** The token's id (16 hex digits): what `token list` shows and `token revoke` names. */
  id: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
  /** The virtual account a device registered with it joins. */
  account: z.string().check(z.minLength(1), z.maxLength(100)),
  /** License Central's server, as devices reach it, and the SHA-256 fingerprint of its certificate. */
  server: z.url().check(z.maxLength(500)),
  fingerprint: z.string().check(z.regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)),
  issuedAt: z.int().check(z.gte(0)),
  expiresAt: z.int().check(z.gte(0)),
  exportControlled: z.boolean(),
  /** The signing key that signed it. */
  keyId: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
});
export type TokenPayload = z.infer<typeof tokenPayload>;

const b64url = (bytes: Uint8Array) => toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromB64url = (text: string) =>
  /^[A-Za-z0-9_-]*$/.test(text) ? fromBase64(`${text.replace(/-/g, '+').replace(/_/g, '/')}${'='.repeat((4 - (text.length % 4)) % 4)}`) : null;

/** The bytes a token's signature covers: its payload as sent. */
export interface SignedToken {
  readonly payload: TokenPayload;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

export function formatToken(payload: TokenPayload, sign: (message: Uint8Array) => Uint8Array): string {
  const body = b64url(utf8(JSON.stringify(tokenPayload.parse(payload))));
  return `${TOKEN_PREFIX}.${body}.${b64url(sign(utf8(`${TOKEN_PREFIX}.${body}`)))}`;
}

/** A token as pasted, without the white space and line breaks of wrapping and the quotes around it. */
export const compactToken = (text: string) => text.replace(/\s+/g, '').replace(/^["']|["']$/g, '');

/**
 * A token as pasted: white space and line breaks from wrapping and surrounding quotes are ignored; anything
 * else that is wrong is refused, saying what (`token-malformed`). The signature is not checked here.
 */
export function parseToken(text: string): SignedToken {
  if (text.length > TOKEN_MAX_CHARS)
    refuse('token-malformed', `This is not a registration token: it has ${text.length} characters (a token has a few hundred).`);
  const compact = compactToken(text);
  if (!compact) refuse('token-malformed', 'The registration token is empty.', 'Paste the token License Central made (slr authority token create).');
  const parts = compact.split('.');
  if (parts[0] !== TOKEN_PREFIX || parts.length !== 3)
    refuse(
      'token-malformed',
      `This is not a registration token: a token is ${TOKEN_PREFIX}.<payload>.<signature>.`,
      'Paste the whole token, as License Central showed it.',
    );
  const body = fromB64url(parts[1]!);
  const signature = fromB64url(parts[2]!);
  if (!body || !signature || signature.length < 8) refuse('token-malformed', 'The registration token is damaged: a part of it is not base64url.');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    refuse('token-malformed', 'The registration token is damaged: its payload is not readable.');
  }
  const payload = tokenPayload.safeParse(json);
  if (!payload.success) {
    const issue = payload.error.issues[0]!;
    refuse('token-malformed', `The registration token is damaged: ${issue.path.join('.') || 'payload'}: ${issue.message}.`);
  }
  return { payload: payload.data, message: utf8(`${TOKEN_PREFIX}.${parts[1]}`), signature };
}

/**
 * Checks a token's signature with the key it names, among `keys` (id → public key PEM): refused as
 * `token-tampered` when it does not verify (changed since it was signed), `token-untrusted` when the key is
 * not one of them.
 */
export function verifyToken(
  token: SignedToken,
  keys: ReadonlyMap<string, string>,
  verify: (publicKeyPem: string, message: Uint8Array, signature: Uint8Array) => boolean,
): TokenPayload {
  const key = keys.get(token.payload.keyId);
  if (!key)
    refuse(
      'token-untrusted',
      `The registration token is signed by key ${token.payload.keyId}, which is not a License Central key trusted here.`,
      'Check that the token comes from your License Central.',
    );
  if (!verify(key, token.message, token.signature))
    refuse(
      'token-tampered',
      'The registration token was changed after License Central signed it: its signature does not verify.',
      'Ask License Central for the token again; nothing was sent.',
    );
  return token.payload;
}

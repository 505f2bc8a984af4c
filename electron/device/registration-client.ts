/**
 * Smart Licensing online, the product instance's side of the wire: register with a token (checked on the
 * device first: signed by a License Central key the device trusts, and the server presenting the certificate
 * the token names, before anything is sent), then calls signed with the device key, each with a sequence
 * number above the last. What the device keeps between calls (the server, its certificate, the registration
 * and the last sequence number) is the caller's to store.
 */
import { randomBytes } from 'node:crypto';
import { fromBase64, toBase64 } from '../../shared/bytes.ts';
import { refuse } from '../../shared/errors.ts';
import type { ApiBody } from '../../shared/authority/api.ts';
import { DEVICE_HEADERS, deviceCallMessage, identityMessage, registerMessage, type Registration } from '../../shared/registration/protocol.ts';
import { compactToken, parseToken, verifyToken, type TokenPayload } from '../../shared/registration/token.ts';
import { cryptoBasics, privateKeyOps, verifyMessage } from '../platform/crypto.ts';
// The HTTPS client (and the API's schemas) load when a call is made, not with every command of the device.
const net = () => import('../net/server-client.ts');
import type { ProxySetting } from '../net/proxy-tunnel.ts';

export interface ServerTarget {
  readonly server: string;
  readonly fingerprint: string;
  readonly certificate: string;
  /** Through an HTTP proxy (the seeds' proxy transport). */
  readonly proxy?: ProxySetting | null;
}

/** How the device reaches License Central: the token's URL (direct) or a gateway's, maybe through a proxy. */
export interface Route {
  readonly gateway?: string | null;
  readonly proxy?: ProxySetting | null;
}

/** What a registered device keeps: where it is registered, and the sequence number of its last call. */
export interface DeviceLink extends ServerTarget {
  readonly instance: string;
  readonly seq: number;
}

/** Registers with `token`: the token and the server are checked here before the device sends anything. */
export async function registerDevice(input: {
  token: string;
  trustedKeys: ReadonlyMap<string, string>;
  udi: string;
  devicePublicKey: Uint8Array;
  /** The device key, to prove that the device holds the key it registers. */
  devicePrivateKeyPem: string;
  hostname?: string | null;
  force?: boolean;
  route?: Route;
}): Promise<{ registration: Registration; link: DeviceLink; token: TokenPayload }> {
  const token = verifyToken(parseToken(input.token), input.trustedKeys, verifyMessage);
  const server = input.route?.gateway ?? token.server;
  const proxy = input.route?.proxy ?? null;
  const presented = await (await net()).fetchCertificate(server, 10_000, proxy);
  if (presented.fingerprint !== token.fingerprint)
    refuse(
      'server-untrusted',
      `${server} presents a certificate with the fingerprint ${presented.fingerprint}, not the one the token names (${token.fingerprint}): nothing was sent to it.`,
      'Check the transport settings and the network; someone may be in between.',
    );
  const target: ServerTarget = { server, fingerprint: presented.fingerprint, certificate: presented.certificate, proxy };
  const signed = {
    token: compactToken(input.token),
    udi: input.udi,
    devicePublicKey: toBase64(input.devicePublicKey),
    hostname: input.hostname ?? null,
    force: input.force ?? false,
    trustedKeyIds: [...input.trustedKeys.keys()],
    nonce: randomBytes(16).toString('base64url'),
  };
  const proof = toBase64(privateKeyOps(input.devicePrivateKeyPem).sign(registerMessage(cryptoBasics, signed)));
  const body: ApiBody<'device-register'> = { ...signed, proof };
  const registration = (await (await net()).callApi(target, 'device-register', body, { retries: 0 })) as Registration;
  checkIdentity(registration, input.udi, body.devicePublicKey, input.trustedKeys);
  return { registration, link: { ...target, server: token.server, instance: registration.instance, seq: 0 }, token };
}

/** The identity License Central answered: for this device, signed by a License Central key the device trusts. */
export function checkIdentity(r: Registration, udi: string, devicePublicKey: string, trustedKeys: ReadonlyMap<string, string>): void {
  const key = trustedKeys.get(r.identity.keyId);
  const signature = fromBase64(r.identity.signature);
  const message = identityMessage(r.instance, r.udi, devicePublicKey, r.registrationExpires);
  if (r.udi !== udi || !key || !signature || !verifyMessage(key, message, signature))
    refuse(
      'server-untrusted',
      "License Central's answer does not carry this device's identity signed by a key it trusts: the registration is not kept here.",
      'Check that the server is your License Central; remove the instance there (slr authority registered remove) if it was registered.',
    );
}

type DeviceCallName = 'device-renew-auth' | 'device-renew-id' | 'device-usage' | 'device-deregister' | 'device-export-request' | 'device-export-return';

/** One call of a registered device, signed with its key; the link with the sequence number it used. */
export async function deviceCall<N extends DeviceCallName>(
  link: DeviceLink,
  devicePrivateKeyPem: string,
  name: N,
  body: ApiBody<N>,
  timeoutMs = 30_000,
): Promise<{ value: unknown; link: DeviceLink }> {
  const seq = link.seq + 1;
  const signature = privateKeyOps(devicePrivateKeyPem).sign(
    deviceCallMessage(cryptoBasics, { operation: name, instance: link.instance, seq, body: JSON.stringify(body) }),
  );
  const value = await (
    await net()
  ).callApi(link, name, body, {
    retries: 0,
    timeoutMs,
    headers: { [DEVICE_HEADERS.instance]: link.instance, [DEVICE_HEADERS.seq]: String(seq), [DEVICE_HEADERS.signature]: toBase64(signature) },
  });
  return { value, link: { ...link, seq } };
}

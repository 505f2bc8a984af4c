/**
 * The client of License Central's server, for administrators and devices alike: calls to the API over HTTPS
 * that trust one pinned certificate and nothing else (directly, or through a proxy's tunnel). A change is
 * sent with an idempotency key and retried with the same key when the connection fails, so a retry never
 * changes the ledger twice.
 */
import { randomUUID } from 'node:crypto';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions, type PeerCertificate } from 'node:tls';
import { API, apiPath, IDEMPOTENCY_HEADER, type ApiBody, type ApiName, type ApiReply } from '../../shared/authority/api.ts';
import { SlrError, REFUSAL_CODES, type RefusalCode } from '../../shared/errors.ts';
import { describeProxy, tunnel, type ProxySetting } from './proxy-tunnel.ts';
import { checkServerUrl } from './server-url.ts';

export { checkServerUrl } from './server-url.ts';

const canonical = (fp: string) => fp.toUpperCase();

/** The certificate a server presents (without trusting it yet): to compare with the fingerprint given. */
export async function fetchCertificate(
  server: string,
  timeoutMs = 10_000,
  proxy: ProxySetting | null = null,
): Promise<{ certificate: string; fingerprint: string }> {
  const url = checkServerUrl(server);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const through = proxy ? await tunnel(proxy, host, port, timeoutMs) : undefined;
  return new Promise((resolve, reject) => {
    // Not checked here: the certificate is fetched to be compared with the fingerprint given.
    const socket = tlsConnect({ host, port, socket: through, servername: isIP(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert: PeerCertificate = socket.getPeerCertificate(false);
      socket.end();
      if (!cert.raw) return reject(new SlrError('server-untrusted', `${server} presented no certificate.`));
      const pem = `-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
      resolve({ certificate: pem, fingerprint: canonical(cert.fingerprint256) });
    });
    socket.on('timeout', () => socket.destroy(new Error('timed out')));
    socket.on('error', (e) => reject(unreachable(server, e)));
  });
}

function unreachable(server: string, e: Error & { code?: string }): SlrError {
  return new SlrError(
    'server-unreachable',
    `License Central at ${server} cannot be reached (${e.code ?? e.message}); nothing was sent, or the change was not confirmed.`,
    'Check the address and that the server runs (slr authority serve). A change is safe to retry: it carries the same idempotency key.',
  );
}

interface Target {
  readonly server: string;
  readonly fingerprint: string;
  readonly certificate: string;
  readonly token?: string;
  /** Reached through an HTTP proxy (the seeds' HTTP/HTTPS proxy transport). */
  readonly proxy?: ProxySetting | null;
}

/** An agent whose connections are tunnels through the proxy, TLS inside them. */
class ProxiedAgent extends Agent {
  private readonly proxy: ProxySetting;
  constructor(proxy: ProxySetting, options: ConstructorParameters<typeof Agent>[0]) {
    super(options);
    this.proxy = proxy;
  }
  override createConnection(options: RequestOptions, done?: (err: Error | null, socket: Duplex) => void): Duplex | null | undefined {
    const { host, port } = options as { host: string; port: number };
    tunnel(this.proxy, host, Number(port), 30_000).then(
      (socket) => done?.(null, tlsConnect({ ...(options as TlsOptions), socket })),
      (e: Error) => done?.(e, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/**
 * One connection pool per pinned server: the TLS handshake is made once and the connection kept for the next
 * calls (idle connections do not keep a CLI process alive). The certificate is trusted by its fingerprint,
 * whatever name it carries, and no other is.
 */
const agents = new Map<string, Agent>();
function agentFor(target: Target): Agent {
  const proxy = target.proxy ?? null;
  const key = `${target.server}|${target.fingerprint}|${proxy ? `${proxy.user ?? ''}:${proxy.password ?? ''}@${describeProxy(proxy)}` : ''}`;
  let agent = agents.get(key);
  if (!agent) {
    const options: ConstructorParameters<typeof Agent>[0] = {
      keepAlive: true,
      maxSockets: 16,
      ca: target.certificate,
      checkServerIdentity: (_host, cert) =>
        canonical(cert.fingerprint256) === target.fingerprint
          ? undefined
          : new SlrError('server-untrusted', `The server's certificate (${cert.fingerprint256}) is not the one pinned at login (${target.fingerprint}).`),
    };
    agent = proxy ? new ProxiedAgent(proxy, options) : new Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** The reply's JSON (bounded), or a refusal saying that what answered is not License Central. */
function readReply(
  res: IncomingMessage,
  req: ClientRequest,
  resolve: (r: { status: number; reply: ApiReply<unknown> }) => void,
  reject: (e: Error) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (c: Buffer) => {
    size += c.length;
    if (size > 64 * 1024 * 1024) req.destroy(new Error('reply too large'));
    else chunks.push(c);
  });
  res.on('end', () => {
    try {
      resolve({ status: res.statusCode ?? 0, reply: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApiReply<unknown> });
    } catch {
      reject(
        new SlrError(
          'server-error',
          `License Central answered ${res.statusCode} with something that is not its JSON.`,
          'Check that the URL is the License Central server.',
        ),
      );
    }
  });
}

/** One HTTPS call to `target`, trusting its pinned certificate only; the parsed reply and its status. */
function post(
  target: Target,
  path: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; reply: ApiReply<unknown> }> {
  const url = new URL(path, checkServerUrl(target.server));
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        agent: agentFor(target),
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(data)),
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => readReply(res, req, resolve, reject),
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: Error & { code?: string; reason?: string }) => {
      if (e instanceof SlrError) return reject(e);
      if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(e.code ?? ''))
        return reject(
          new SlrError(
            'server-untrusted',
            `The server's certificate is not the one pinned at login (${e.code}).`,
            'If the server has a new certificate, log in again with its new fingerprint.',
          ),
        );
      reject(unreachable(target.server, e));
    });
    req.end(data);
  });
}

/** The figures of a refusal, as far as they are numbers. */
const numbersOf = (detail: unknown): Record<string, number> | undefined =>
  detail && typeof detail === 'object'
    ? Object.fromEntries(Object.entries(detail).filter((e): e is [string, number] => Number.isSafeInteger(e[1])))
    : undefined;
const asRefusal = (code: string): RefusalCode => ((REFUSAL_CODES as readonly string[]).includes(code) ? (code as RefusalCode) : 'server-error');

export interface CallOptions {
  /** How many times a change is sent again, with the same key, after the connection failed. */
  readonly retries?: number;
  readonly timeoutMs?: number;
  /** A change's idempotency key (made here when none is given). */
  readonly idempotencyKey?: string;
  /** More headers (a registered product instance's signature). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Calls an operation; its value, or the server's refusal thrown as the same SlrError the CLI would show. */
export async function callApi<N extends ApiName>(target: Target, name: N, body: ApiBody<N>, options: CallOptions = {}): Promise<unknown> {
  const changes = API[name].changes;
  const headers: Record<string, string> = { ...(changes ? { [IDEMPOTENCY_HEADER]: options.idempotencyKey ?? randomUUID() } : {}), ...options.headers };
  const attempts = 1 + (options.retries ?? (changes ? 3 : 1));
  for (let attempt = 1; ; attempt++) {
    try {
      const { reply } = await post(target, apiPath(name), body, headers, options.timeoutMs ?? 30_000);
      if (reply.ok) return reply.value;
      throw new SlrError(asRefusal(reply.error.code), reply.error.message, reply.error.hint, numbersOf(reply.error.detail));
    } catch (e) {
      if (!(e instanceof SlrError) || e.code !== 'server-unreachable' || attempt >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

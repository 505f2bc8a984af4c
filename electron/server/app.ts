/**
 * License Central as a server: Fastify over HTTPS, one route per operation of the API table
 * (shared/authority/api.ts), each body checked by its zod schema. The server only adapts: who calls (a session
 * or API token), whether their role and virtual account allow it (shared/authority/roles.ts, checked again by
 * the ledger inside the operation's transaction), and, for a change, its idempotency key (idempotency.ts);
 * then the same ledger operation the CLI runs, with the same refusals.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { API, API_NAMES, apiPath, IDEMPOTENCY_HEADER, type ApiBody, type ApiName } from '../../shared/authority/api.ts';
import { requireAct, type Permission, type Principal } from '../../shared/authority/roles.ts';
import { DEVICE_HEADERS } from '../../shared/registration/protocol.ts';
import { isWellFormed } from '../../shared/text.ts';
import { isSlrError, refuse, SlrError } from '../../shared/errors.ts';
import { everyAccount, type Ledger } from '../authority/ledger.ts';
import {
  OPERATIONS,
  type DeviceOperationName,
  type DocumentedReply,
  type LedgerOperationName,
  type OperationContext,
  type SatelliteOperationName,
} from '../authority/api-operations.ts';
import { MAX_SYNC_FILE } from '../../shared/authority/sync-file.ts';
import { onceByKey } from './idempotency.ts';
import { answered, refused, type Answer } from './answers.ts';
import { openApiDocument } from './openapi.ts';
import { fingerprintOf } from './tls.ts';

export interface ServerOptions {
  /** The server's ledger, its signing keys unlocked. */
  readonly ledger: Ledger;
  /** The server's clock (the tests inject one). */
  readonly clock: () => number;
  /** The certificate and key it presents; without them plain HTTP (only for tests that inject requests). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Logins per client address per minute. */
  readonly loginsPerMinute?: number;
  /** Told after each request that may have logged an event (a change, a device's or a satellite's call): the webhooks' cue. */
  readonly onLogged?: () => void;
}

/** A sync file as JSON inside a request: its payload escaped once more. */
const SATELLITE_BODY_LIMIT = Math.ceil(MAX_SYNC_FILE * 1.5);

function bearer(req: FastifyRequest): string {
  const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(req.headers.authorization ?? '');
  if (!m) refuse('unauthorized', 'This request carries no session or API token.', 'Log in first: `slr authority login --server URL --user NAME`.');
  return m[1]!;
}

async function run(o: ServerOptions & { fingerprint: string }, name: ApiName, body: unknown, req: FastifyRequest): Promise<Answer> {
  const { ledger } = o;
  const now = o.clock();
  if (name === 'login') {
    const b = body as { user: string; password: string };
    const r = await ledger.as(`login from ${req.ip}`, everyAccount).login({ name: b.user, password: b.password, from: req.ip }, now);
    return reply('login', { token: r.token, expiresAt: r.expiresAt, user: r.principal, mustChangePassword: r.mustChangePassword });
  }
  if (name === 'device-register') return reply(name, await ledger.as(`device at ${req.ip}`, everyAccount).register(body as ApiBody<'device-register'>, now));
  if (API[name].permission === 'device') return deviceCall(ledger, name as DeviceOperationName, req, body, now);
  if (API[name].permission === 'satellite') return satelliteCall(ledger, name as SatelliteOperationName, req, body, now);
  const token = bearer(req);
  const who = await ledger.authenticate(token, now);
  if (name === 'logout') {
    await ledger.endSession(token);
    return reply('logout', null);
  }
  if (name === 'whoami') return reply('whoami', who);
  if (who.mustChangePassword && name !== 'password')
    refuse(
      'forbidden',
      `User "${who.name}" has a one-time password: set a password of your own first.`,
      'Run `slr authority password --new-password-file FILE`.',
    );
  const permission = API[name].permission as Permission | 'session' | 'public';
  const principal: Principal = { name: who.name, role: who.role, account: who.account };
  if (permission !== 'session' && permission !== 'public') requireAct(principal, permission);
  const guard = permission === 'session' || permission === 'public' ? everyAccount : (account: string) => requireAct(principal, permission, account);
  const acting = ledger.as(who.name, guard);
  const operation = OPERATIONS[name as LedgerOperationName] as (l: Ledger, b: unknown, c: OperationContext) => Promise<unknown>;
  const go = () => operation(acting, body, { now, principal, fingerprint: o.fingerprint });
  if (!API[name].changes) return answered(await ledger.store.db.read(go));
  const key = req.headers[IDEMPOTENCY_HEADER];
  return onceByKey(ledger.store.db, { userId: who.userId, key: typeof key === 'string' ? key : undefined, operation: name, body, now }, go);
}

/** A value the server answers, typed as the API document says operation `name` answers. */
const reply = <N extends ApiName>(_name: N, value: DocumentedReply<N>): Answer => answered(value);

/** A call of a registered product instance, signed with its key (the headers name it, its sequence number and the signature). */
async function deviceCall(ledger: Ledger, name: DeviceOperationName, req: FastifyRequest, body: unknown, now: number): Promise<Answer> {
  const header = (h: string) => {
    const v = req.headers[h];
    if (typeof v !== 'string' || !v) refuse('unauthorized', `This call of a product instance carries no ${h} header.`);
    return v;
  };
  const call = {
    instance: header(DEVICE_HEADERS.instance),
    seq: Number(header(DEVICE_HEADERS.seq)),
    signature: header(DEVICE_HEADERS.signature),
    operation: name,
    // The signature covers the body as sent: the JSON as parsed, before the schema reorders anything.
    body: JSON.stringify(req.body ?? {}),
  };
  const device = ledger.as('product instance', everyAccount);
  if (name === 'device-renew-auth') return reply(name, await device.renewAuthorization(call, now));
  if (name === 'device-renew-id') return reply(name, await device.renewRegistration(call, now));
  if (name === 'device-usage') {
    const b = body as ApiBody<'device-usage'>;
    return reply(name, await device.reportUsage(call, b.usage, now, b.trustedKeyIds, b.nodes));
  }
  if (name === 'device-export-request') return reply(name, await device.exportRequest(call, body as ApiBody<'device-export-request'>, now));
  if (name === 'device-export-return') return reply(name, await device.exportReturn(call, body as ApiBody<'device-export-return'>, now));
  return reply('device-deregister', await device.deregister(call, now));
}

/** A connected satellite's file: trusted by its signature (a key pinned at enrolment), as a file carried by hand is. */
async function satelliteCall(ledger: Ledger, name: SatelliteOperationName, req: FastifyRequest, body: unknown, now: number) {
  const { file } = body as ApiBody<'satellite-sync'>;
  const kind = name === 'satellite-enrol' ? 'enrolment-reply' : 'up';
  if (file.kind !== kind)
    refuse('wrong-sync-file', `${name} takes ${kind === 'up' ? "a satellite's sync file" : 'an enrolment reply'}, not a ${file.kind} file.`);
  const r = await ledger.as(`satellite at ${req.ip}`, everyAccount).syncImport(file, now);
  return reply(name, { file: r.answer!.envelope, summary: r.summary });
}

/** What to do about a refusal the framework makes (a body it cannot read, too large, too many calls, a server failure). */
const HINTS: Readonly<Record<number, string>> = {
  400: "Send a JSON object that matches the operation's schema (GET /openapi.json), as UTF-8 with content-type application/json.",
  404: 'The operations are POST /v1/<operation>; GET /openapi.json lists them.',
  405: 'Send it as POST, with a JSON object as its body.',
  413: 'Send less: the operation body limits are in GET /openapi.json.',
  429: 'Wait a minute, then try again.',
  500: 'Try again; if it fails again, tell the administrator of this server.',
};

const notFound = (req: FastifyRequest): Answer => ({
  status: 404,
  reply: { ok: false, error: { code: 'bad-request', message: `No such operation: ${req.method} ${req.url.slice(0, 100)}.`, hint: HINTS[404]! } },
});

/** How long /health waits for the ledger's database before it says the server is not healthy. */
const HEALTH_TIMEOUT_MS = 5_000;

/** Whether the server can work: its ledger's database answers a read within a few seconds (a load balancer's probe). */
async function health(ledger: Ledger): Promise<{ status: number; body: object }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS / 1000} s`)), HEALTH_TIMEOUT_MS);
  });
  try {
    await Promise.race([ledger.store.db.read(() => ledger.store.get('SELECT 1 AS one')), late]);
    return { status: 200, body: { ok: true } };
  } catch (e) {
    const message = `The ledger's database does not answer (${(e as Error).message.slice(0, 120)}): this server cannot work now.`;
    return { status: 503, body: { ok: false, error: { code: 'server-error', message, hint: 'Check the database the server was started on (--database).' } } };
  } finally {
    clearTimeout(timer);
  }
}

function send(reply: FastifyReply, a: Answer) {
  return reply.code(a.status).header('cache-control', 'no-store').send(a.reply);
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const o = { ...options, fingerprint: options.tls ? fingerprintOf(options.tls.cert) : '' };
  const app = Fastify({
    logger: false,
    // A request body is a few codes at most: the largest is a paste of some kilobytes.
    bodyLimit: 256 * 1024,
    ...(o.tls ? { https: { cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' as const } } : {}),
  });
  await app.register(rateLimit, { global: false });
  strictJsonBodies(app);
  const document = openApiDocument();
  app.get('/openapi.json', async () => document);
  app.get('/health', async (_req, reply) => {
    const h = await health(o.ledger);
    return reply.code(h.status).header('cache-control', 'no-store').send(h.body);
  });
  for (const name of API_NAMES) {
    const limit = name === 'login' || name === 'password' ? { config: { rateLimit: { max: o.loginsPerMinute ?? 20, timeWindow: 60_000 } } } : {};
    // A satellite's file may be large (its events since the last round); it is checked by its signature first.
    const sized = API[name].permission === 'satellite' ? { bodyLimit: SATELLITE_BODY_LIMIT, config: { rateLimit: { max: 60, timeWindow: 60_000 } } } : {};
    app.post(apiPath(name), { ...limit, ...sized }, async (req, reply) => {
      // The body is a JSON object ({} when the operation takes nothing): none, null or an array is refused.
      if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body))
        return send(reply, refused(badRequest(`${name}: the body must be a JSON object ({} when the operation takes nothing).`)));
      const parsed = API[name].body.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return send(reply, refused(badRequest(`${name}: ${issue.path.join('.') || '(body)'}: ${issue.message}`)));
      }
      let answer: Answer;
      try {
        answer = await run(o, name, parsed.data, req);
      } catch (e) {
        if (!isSlrError(e)) throw e;
        answer = refused(e);
      }
      if (API[name].changes || API[name].permission === 'device' || API[name].permission === 'satellite') o.onLogged?.();
      return send(reply, answer);
    });
  }
  methodNotAllowed(app);
  app.setNotFoundHandler((req, reply) => send(reply, notFound(req)));
  app.setErrorHandler((error: { statusCode?: number; message: string }, _req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const code = status === 429 ? 'rate-limited' : status < 500 ? 'bad-request' : 'server-error';
    // Client errors (bad JSON, too large, too many logins) say what; a server error says nothing of its inside.
    const message = status < 500 ? error.message : 'The server failed to do this; nothing was changed. The administrator can see why in its output.';
    if (status >= 500) console.error(error);
    return send(reply, { status, reply: { ok: false, error: { code, message, hint: HINTS[status] ?? HINTS[400]! } } });
  });
  return app;
}

/** Another method on an operation's path: 405, with the one it takes (an unknown operation: 404). */
function methodNotAllowed(app: FastifyInstance): void {
  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url: '/v1/:operation',
    handler: (req, reply) => {
      const operation = (req.params as { operation: string }).operation;
      if (!(API_NAMES as string[]).includes(operation)) return send(reply, notFound(req));
      void reply.header('allow', 'POST');
      return send(reply, {
        status: 405,
        reply: { ok: false, error: { code: 'bad-request', message: `${req.method} ${apiPath(operation as ApiName)}: it takes POST.`, hint: HINTS[405]! } },
      });
    },
  });
}

/**
 * JSON bodies are well-formed Unicode: bytes that are not UTF-8 (which would become U+FFFD silently) and
 * strings with a lone surrogate (a \\ud800 escape) are refused with 400 before any operation sees them.
 */
function strictJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(Object.assign(new Error('The request body is not valid UTF-8.'), { statusCode: 400 }), undefined);
    }
    void parse(req, text, (error, value) => {
      if (error) return done(error, undefined);
      if (!wellFormed(value))
        return done(
          Object.assign(new Error('The request body holds a string that is not well-formed Unicode (a lone surrogate).'), { statusCode: 400 }),
          undefined,
        );
      done(null, value);
    });
  });
}

/** Every string in a parsed JSON value (keys included) is well-formed Unicode. */
function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return isWellFormed(value);
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value && typeof value === 'object') return Object.entries(value).every(([k, v]) => wellFormed(k) && wellFormed(v));
  return true;
}

const badRequest = (message: string) => new SlrError('bad-request', message, 'See the operation in /openapi.json.');

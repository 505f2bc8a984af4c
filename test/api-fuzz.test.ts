// A schema-driven fuzz of License Central's API (issue 29): for every operation of the OpenAPI document,
// requests generated from the document's own request schema, valid and not, sent to the real server (Fastify,
// in process) as an administrator. Every answer must be one the document lists for that operation, with the
// body its schema admits (ajv, helpers/api-conformance.ts); a body the schema admits is never refused as
// malformed (400), one it refuses always is; nothing answers 5xx; the ledger's conservation holds after it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { buildServer } from '../electron/server/app.ts';
import { serverTls } from '../electron/server/tls.ts';
import { openApiDocument } from '../electron/server/openapi.ts';
import { conformanceChecker } from './helpers/api-conformance.ts';
import { checkInvariants } from './helpers/ledger-audit.ts';
import { invalid, valid, type Schema } from './helpers/schema-arbitrary.ts';

const T = Date.UTC(2026, 6, 1);
const doc = openApiDocument() as { paths: Record<string, { post?: { operationId: string; requestBody: { content: Record<string, { schema: Schema }> } } }> };
// logout would end the session the rest of the run uses; it is tested on its own in server.test.ts.
const OPERATIONS = Object.entries(doc.paths)
  .filter(([, p]) => p.post && p.post.operationId !== 'logout')
  .map(([path, p]) => ({ path, name: p.post!.operationId, schema: p.post!.requestBody.content['application/json']!.schema }));

let ledger: Ledger;
let app: FastifyInstance;
let token: string;
const conformance = conformanceChecker();
const statuses = new Map<string, Set<number>>();

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'slr-api-fuzz-'));
  ledger = await openLedger({ dir: home, actor: 'setup' }, true);
  await ledger.init('Fuzz', T);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 10 }, T);
  await ledger.addUser({ name: 'admin', role: 'smart-account-admin', password: 'a long enough password' }, T);
  token = (await ledger.login({ name: 'admin', password: 'a long enough password', from: 'fuzz' }, T)).token;
  app = await buildServer({ ledger, clock: () => T + 60_000, loginsPerMinute: 1_000_000, tls: serverTls(home, '127.0.0.1', T) });
  app.addHook('onSend', async (req, reply, payload) => {
    if (typeof payload === 'string') conformance.check(req.method, req.url, reply.statusCode, payload);
    return payload;
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await ledger?.close();
});

let n = 0;
async function send(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const r = await app.inject({
    method: 'POST',
    url: path,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `fuzz-key-${++n}` },
    payload: JSON.stringify(body),
  });
  const seen = statuses.get(path) ?? new Set<number>();
  statuses.set(path, seen.add(r.statusCode));
  return { status: r.statusCode, text: r.body };
}

describe("License Central's API, fuzzed from its own OpenAPI document", () => {
  it('answers every generated request as the document says, never 5xx, never 400 for a body the schema admits', async () => {
    for (const op of OPERATIONS) {
      await fc.assert(
        fc.asyncProperty(valid(op.schema), async (body) => {
          const r = await send(op.path, body);
          expect(r.status, `${op.name} ${JSON.stringify(body).slice(0, 200)}: ${r.text.slice(0, 300)}`).not.toBe(400);
          expect(r.status).toBeLessThan(500);
        }),
        { numRuns: 40, seed: 29 },
      );
      await fc.assert(
        fc.asyncProperty(invalid(op.schema), async (body) => {
          const r = await send(op.path, body);
          expect(r.status, `${op.name} ${JSON.stringify(body).slice(0, 200)}: ${r.text.slice(0, 300)}`).toBe(400);
        }),
        { numRuns: 20, seed: 29 },
      );
    }
    expect(conformance.violations).toEqual([]);
    // Every operation was reached, and some got past validation to the ledger (200 or a rule's 409).
    expect(statuses.size).toBe(OPERATIONS.length);
    expect([...statuses.values()].filter((s) => s.has(200) || s.has(409)).length).toBeGreaterThan(OPERATIONS.length / 2);
    await checkInvariants(ledger);
  });

  it('refuses another method with 405 and Allow: POST, an unknown path with 404, both as the document says', async () => {
    const get = await app.inject({ method: 'GET', url: '/v1/reserve' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(JSON.parse(get.body).error.hint).toMatch(/POST/);
    const unknown = await app.inject({ method: 'POST', url: '/v1/no-such-operation', payload: {} });
    expect(unknown.statusCode).toBe(404);
    const keys = (await ledger.keys()).length;
    const empty = await app.inject({ method: 'POST', url: '/v1/key-add', headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'fuzz-empty' } });
    expect(empty.statusCode).toBe(400);
    expect((await ledger.keys()).length).toBe(keys);
    expect(conformance.violations).toEqual([]);
  });
});

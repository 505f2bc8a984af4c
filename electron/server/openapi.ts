/**
 * The OpenAPI document of License Central's API, generated from the operations table (shared/authority/api.ts),
 * its zod body schemas and the answer schemas (shared/authority/api-replies.ts): the server serves it at
 * /openapi.json, and the copy kept in the repo (electron/server/openapi.json) is checked against it by a test,
 * so neither drifts. Every operation says who may call it, the headers it needs, every status it may answer
 * with the schema of that answer, its body limit, and the links of the stateful flows.
 */
import { z } from 'zod';
import { API, API_NAMES, apiPath, IDEMPOTENCY_HEADER, idempotencyKey, type ApiName, type ApiOperation } from '../../shared/authority/api.ts';
import { API_REPLIES } from '../../shared/authority/api-replies.ts';
import { DEVICE_HEADERS } from '../../shared/registration/protocol.ts';
import { API_LINKS } from './openapi-links.ts';
import { openApiWebhooks, webhookComponents } from './openapi-webhooks.ts';

const refusal = {
  type: 'object',
  required: ['ok', 'error'],
  additionalProperties: false,
  properties: {
    ok: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: {
          type: 'string',
          description: 'What kind of refusal: `bad-request`, `unauthorized`, `forbidden`, or a rule of the ledger (as the CLI says it).',
        },
        message: { type: 'string' },
        hint: { type: 'string', description: 'What to do instead.' },
        detail: { type: 'object', additionalProperties: { type: 'number' }, description: 'Figures of a shortfall, by license.' },
      },
    },
  },
};

const reply = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Refusal' } } } });
const header = (name: string, description: string, schema: object) => ({ name, in: 'header', required: true, description, schema });

/** The body limit of an operation, in bytes (the server's: electron/server/app.ts). */
export const bodyLimitOf = (op: ApiOperation) => (op.permission === 'satellite' ? 'a sync file (64 MiB, escaped once more as JSON: 96 MiB)' : '256 KiB');

function parametersOf(op: ApiOperation): object[] {
  const out: object[] = [];
  if (op.changes)
    out.push(
      header(
        IDEMPOTENCY_HEADER,
        'A key of your own per change: a retry with the same key gets the first result, never a second change.',
        z.toJSONSchema(idempotencyKey),
      ),
    );
  if (op.permission === 'device')
    out.push(
      header(DEVICE_HEADERS.instance, "The registered instance's id (from device-register).", { type: 'string', minLength: 1 }),
      header(DEVICE_HEADERS.seq, 'A sequence number greater than any this instance sent before.', { type: 'string', pattern: '^[0-9]{1,15}$' }),
      header(DEVICE_HEADERS.signature, "The device key's signature over the operation, the instance, the sequence number and the body's SHA-256 (base64).", {
        type: 'string',
        minLength: 1,
      }),
    );
  return out;
}

/** What an operation may answer, by status: only the statuses it can give. */
function responsesOf(name: ApiName, op: ApiOperation): Record<string, object> {
  const value = z.toJSONSchema(API_REPLIES[name], { io: 'output' });
  const bearer = op.permission !== 'public' && op.permission !== 'device' && op.permission !== 'satellite';
  const out: Record<string, object> = {
    200: {
      description: 'Done: `value` is the result.',
      content: {
        'application/json': { schema: { type: 'object', required: ['ok', 'value'], additionalProperties: false, properties: { ok: { const: true }, value } } },
      },
      ...(API_LINKS[name] ? { links: API_LINKS[name] } : {}),
    },
    400: reply(`The body is not a JSON object matching the schema${op.changes ? ', or the change came without its Idempotency-Key' : ''}.`),
  };
  if (op.permission !== 'satellite')
    out[401] = reply(
      name === 'login'
        ? 'Wrong user or password (the same answer for an unknown or disabled user).'
        : name === 'device-register'
          ? 'The token is not one this License Central issued and still honours.'
          : op.permission === 'device'
            ? 'The call is not signed by a registered instance, or its sequence number was used before.'
            : 'No valid session or API token.',
    );
  if (bearer) out[403] = reply("The user's role or virtual account does not allow it (or a one-time password must be changed first); nothing changed.");
  if (name !== 'whoami') out[409] = reply("Refused by the ledger's rules (the same reasons and messages as the CLI); nothing changed.");
  out[413] = reply(`The body is larger than ${bodyLimitOf(op)}.`);
  if (op.changes) out[422] = reply('The Idempotency-Key was used before for another request (or its first answer carried a secret; see the list).');
  if (name === 'login' || name === 'password')
    out[429] = reply('Too many logins from this address (20 a minute), or 5 failures of this user within 15 minutes.');
  if (op.permission === 'satellite') out[429] = reply('More than 60 files a minute from this address.');
  return out;
}

/** The server's own paths beside the operations: this document, and whether it answers. */
const SERVER_PATHS = {
  '/openapi.json': {
    get: {
      operationId: 'openapi',
      summary: 'This document.',
      security: [],
      responses: { 200: { description: 'The document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
  '/health': {
    get: {
      operationId: 'health',
      summary: "The server answers, and its ledger's database does (a load balancer's probe).",
      security: [],
      responses: {
        503: reply("The ledger's database does not answer within 5 s: this server cannot work now."),
        200: {
          description: 'It does.',
          content: {
            'application/json': { schema: { type: 'object', required: ['ok'], additionalProperties: false, properties: { ok: { const: true } } } },
          },
        },
      },
    },
  },
};

export function openApiDocument(): object {
  const paths: Record<string, object> = {};
  for (const name of API_NAMES) {
    const op = API[name];
    paths[apiPath(name)] = {
      post: {
        operationId: name,
        summary: op.summary,
        'x-permission': op.permission,
        'x-body-limit': bodyLimitOf(op),
        // Devices and satellites are known by the signatures their calls carry, not by a session.
        security: op.permission === 'public' || op.permission === 'device' || op.permission === 'satellite' ? [] : [{ bearer: [] }],
        parameters: parametersOf(op),
        requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.body, { io: 'input' }) } } },
        responses: responsesOf(name, op),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'SLR Desk License Central',
      version: '1',
      description:
        'Specific License Reservation authority as a server. Every operation is POST with a JSON object as its body (`{}` when it takes nothing) and answers `{ok: true, value}` or `{ok: false, error: {code, message, hint}}`. Another method on an operation answers 405 with `Allow: POST`; an unknown path 404; a server failure 500 (nothing changed). Every answer carries `Cache-Control: no-store`.',
    },
    paths: {
      ...paths,
      ...SERVER_PATHS,
    },
    webhooks: openApiWebhooks(),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A session token (from /v1/login) or an API token (slr authority user token).' },
      },
      schemas: { Refusal: refusal, ...webhookComponents().schemas },
      parameters: webhookComponents().parameters,
    },
  };
}

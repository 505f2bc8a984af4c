/**
 * The OpenAPI document of License Central's API, generated from the operations table (shared/authority/api.ts)
 * and its zod schemas: the server serves it at /openapi.json, and the copy kept in the repo
 * (electron/server/openapi.json) is checked against it by a test, so neither drifts.
 */
import { z } from 'zod';
import { API, API_NAMES, apiPath, IDEMPOTENCY_HEADER, idempotencyKey, type ApiOperation } from '../../shared/authority/api.ts';

const errorSchema = {
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
    },
  },
};

const reply = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Refusal' } } } });

export function openApiDocument(): object {
  const paths: Record<string, object> = {};
  for (const name of API_NAMES) {
    const op = API[name];
    paths[apiPath(name)] = {
      post: {
        operationId: name,
        summary: op.summary,
        'x-permission': op.permission,
        // Devices and satellites are known by the signatures their calls carry, not by a session.
        security: op.permission === 'public' || op.permission === 'device' || op.permission === 'satellite' ? [] : [{ bearer: [] }],
        parameters: op.changes
          ? [
              {
                name: IDEMPOTENCY_HEADER,
                in: 'header',
                required: true,
                description: 'A key of your own per change: a retry with the same key gets the first result, never a second change.',
                schema: z.toJSONSchema(idempotencyKey),
              },
            ]
          : [],
        requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.body, { io: 'input' }) } } },
        responses: responsesOf(op),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'SLR Desk License Central',
      version: '1',
      description:
        'Specific License Reservation authority as a server. Every operation is POST with a JSON body and answers `{ok: true, value}` or `{ok: false, error: {code, message, hint}}`.',
    },
    paths: {
      ...paths,
      '/openapi.json': { get: { operationId: 'openapi', summary: 'This document.', security: [], responses: { 200: { description: 'The document.' } } } },
      '/health': { get: { operationId: 'health', summary: 'The server answers.', security: [], responses: { 200: { description: '{ok: true}' } } } },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A session token (from /v1/login) or an API token (slr authority user token).' },
      },
      schemas: { Refusal: errorSchema },
    },
  };
}

/** What an operation may answer, by status. */
function responsesOf(op: ApiOperation): object {
  return {
    200: {
      description: 'Done: `value` is the result.',
      content: { 'application/json': { schema: { type: 'object', required: ['ok', 'value'], properties: { ok: { const: true }, value: {} } } } },
    },
    400: reply('The body does not match the schema, or a change came without its Idempotency-Key.'),
    401: reply('No valid session or API token (or, for login, wrong credentials).'),
    403: reply("The user's role or virtual account does not allow it; nothing changed."),
    409: reply("Refused by the ledger's rules (the same reasons and messages as the CLI); nothing changed."),
    413: reply(
      op.permission === 'satellite' ? 'The body is larger than a sync file may be (64 MiB, escaped once more as JSON).' : 'The body is larger than 256 KiB.',
    ),
    422: reply('The Idempotency-Key was used before for another request.'),
    429: reply('Too many logins.'),
  };
}

/**
 * The OpenAPI document as the truth (issue 29): every answer a test server gives is checked against what the
 * document says that operation answers with that status (a standard JSON Schema validator, ajv, reading the
 * document as served). A status the document does not list, or a body its schema does not admit, is a violation;
 * the test servers (helpers/server.ts) fail the test that got one.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openApiDocument } from '../../electron/server/openapi.ts';

interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
}

/** The schema with the document's own references put in place. */
function inline(schema: unknown, doc: Doc): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, doc));
  if (!schema || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref?.startsWith('#/components/schemas/')) return inline(doc.components.schemas[ref.slice('#/components/schemas/'.length)], doc);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, doc)]));
}

export function conformanceChecker(document: object = openApiDocument()) {
  const doc = document as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
  const compiled = new Map<string, ValidateFunction>();
  const refusal = ajv.compile(inline(doc.components.schemas.Refusal, doc) as object);
  const violations: string[] = [];
  return {
    violations,
    /** Checks one answer; returns the violation (also kept), or null. */
    check(method: string, url: string, status: number, body: string): string | null {
      const path = url.split('?')[0]!;
      const op = doc.paths[path]?.[method.toLowerCase()];
      let validate: ValidateFunction | undefined;
      if (!op) {
        // Not an operation of the document: an unknown path (404) or another method (405), answered as a refusal.
        if (status !== 404 && status !== 405) return keep(`${method} ${path}: ${status} for a path and method the document does not have`);
        validate = refusal;
      } else {
        const response = op.responses[String(status)];
        if (!response) return keep(`${method} ${path}: status ${status} is not one the document lists (${Object.keys(op.responses).join(', ')})`);
        const schema = response.content?.['application/json']?.schema;
        if (!schema) return null;
        const key = `${method} ${path} ${status}`;
        validate = compiled.get(key) ?? ajv.compile(inline(schema, doc) as object);
        compiled.set(key, validate);
      }
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        return keep(`${method} ${path}: ${status} with a body that is not JSON`);
      }
      if (validate(value)) return null;
      const e = validate.errors?.[0];
      return keep(`${method} ${path}: ${status} does not match the document at ${e?.instancePath || '(root)'}: ${e?.message} ${JSON.stringify(e?.params)}`);
    },
  };
  function keep(v: string): string {
    violations.push(v);
    return v;
  }
}

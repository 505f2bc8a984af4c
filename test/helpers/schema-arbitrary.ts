/**
 * Requests generated from the OpenAPI document's own schemas (issue 29): a fast-check arbitrary of the values a
 * JSON Schema admits, for the subset the document uses (objects, strings with lengths and patterns, integers
 * with bounds, booleans, enums, constants, arrays, records, nullable unions), and of values it refuses.
 */
import fc from 'fast-check';

export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  maxProperties?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
}

/** Values the schema admits (kept small: strings up to 40 characters unless the schema needs more). */
export function valid(s: Schema): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const union = s.anyOf ?? s.oneOf;
  if (union) return fc.oneof(...union.map(valid));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((t) => t.length >= (s.minLength ?? 0) && t.length <= (s.maxLength ?? Infinity));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, Math.max(40, s.minLength ?? 0)) });
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valid(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 5, 5)) });
    case 'object':
      return object(s);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

function object(s: Schema): fc.Arbitrary<unknown> {
  if (s.properties) {
    const required = new Set(s.required ?? []);
    const fields = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, valid(v)]));
    return fc.record(fields, { requiredKeys: Object.keys(fields).filter((k) => required.has(k)) });
  }
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    const key = s.propertyNames ? (valid(s.propertyNames) as fc.Arbitrary<string>) : fc.string({ minLength: 1, maxLength: 20 });
    return fc.dictionary(key, valid(s.additionalProperties), { maxKeys: Math.min(s.maxProperties ?? 5, 5) });
  }
  return fc.constant({});
}

/** Bodies the schema refuses: not an object, a required field left out, a field it does not name, a value of the wrong type. */
export function invalid(s: Schema): fc.Arbitrary<unknown> {
  const wrongs: fc.Arbitrary<unknown>[] = [fc.constantFrom(null, [], 'text', 7, true)];
  if (s.properties && s.additionalProperties === false) wrongs.push(valid(s).map((v) => ({ ...(v as object), unexpected: 1 })));
  for (const k of s.required ?? [])
    wrongs.push(
      valid(s).map((v) => {
        const copy = { ...(v as Record<string, unknown>) };
        delete copy[k];
        return copy;
      }),
    );
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const other = p.type === 'string' ? fc.constant(12) : fc.constant('not of its type');
    if (p.const === undefined && !p.anyOf) wrongs.push(fc.tuple(valid(s), other).map(([v, w]) => ({ ...(v as object), [k]: w })));
  }
  return fc.oneof(...wrongs);
}

// An operator with write access to the device's state file, as a model (fast-check): any number of edits of
// any field of the saved JSON (a number moved, a string changed, a flag flipped, a key removed or added, an
// array cut or grown: trust anchors, clocks, evaluation, counters, the reservation, the log), or the seal
// itself. Promise: the device never runs on an edited state. Every load either refuses it (changed outside
// SLR Desk, or damaged), or is byte for byte the state SLR Desk saved.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceService, type InstanceService } from '../electron/device/instance-service.ts';
import { parseRequestCode } from '../shared/codes/device-codes.ts';
import { canonicalJson } from '../shared/instance/seal.ts';
import { isSlrError } from '../shared/errors.ts';
import { issue, lines, makeAuthorityKey, T0 } from './helpers/world.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in `v` (the root excluded). */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return keys.flatMap((k) => [[...at, k], ...paths((v as Record<string | number, Json>)[k]!, [...at, k])]);
}

function get(v: Json, path: (string | number)[]): Json {
  return path.reduce<Json>((x, k) => (x as Record<string | number, Json>)[k]!, v);
}

/** One edit at `path`: what an operator with a text editor does to a value of that kind. */
function edit(root: Json, path: (string | number)[], how: number): Json {
  const copy = structuredClone(root);
  const parent = get(copy, path.slice(0, -1)) as Record<string | number, Json>;
  const key = path.at(-1)!;
  const value = parent[key]!;
  const kind = how % 4;
  if (kind === 0 && !Array.isArray(parent)) delete parent[key];
  else if (kind === 0 && Array.isArray(parent)) parent.splice(key as number, 1);
  else if (typeof value === 'number') parent[key] = kind === 1 ? value + 1 : kind === 2 ? 0 : value * 2 + 86_400_000;
  else if (typeof value === 'string')
    parent[key] = kind === 1 ? `${value}x` : kind === 2 ? '' : value.toUpperCase() === value ? `${value}a` : value.toUpperCase();
  else if (typeof value === 'boolean') parent[key] = !value;
  else if (value === null) parent[key] = kind === 1 ? 0 : 'x';
  else if (Array.isArray(value)) {
    if (kind === 1) value.pop();
    else value.push(structuredClone(value[0] ?? 1));
  } else (value as Record<string, Json>)[`extra${kind}`] = 1;
  return copy;
}

describe('the device state against an operator who edits its file', () => {
  let service: InstanceService;
  let file: string;
  let saved: string;
  beforeAll(async () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-edit-model-'));
    service = instanceService({ dir: home });
    const key = makeAuthorityKey();
    await service.init('UCM', T0, [{ text: key.publicKey, label: 'lc.pem' }]);
    await service.run({ type: 'usage', tag: 'UCM_Basic', count: 3 }, T0 + 1000);
    await service.run({ type: 'enable' }, T0 + 2000);
    const request = parseRequestCode((await service.run({ type: 'request' }, T0 + 3000)).issued!.code);
    await service.run({ type: 'install', code: issue(key, request, lines('UCM', { UCM_Basic: 5 }), { timestamp: T0 + 10 }).code }, T0 + 4000);
    file = join(home, 'product-instance.json');
    saved = readFileSync(file, 'utf8');
  });

  it('never loads an edited state: refused, or the very state that was saved', () => {
    const original = JSON.parse(saved) as Json;
    const all = paths(original);
    let refusals = 0;
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(all.length - 1), how: fc.nat(3) }), { minLength: 1, maxLength: 3 }), (edits) => {
        let state = original;
        const done: string[] = [];
        for (const e of edits) {
          const candidates = paths(state);
          if (!candidates.length) break;
          const path = candidates[e.at % candidates.length]!;
          done.push(`${path.join('.')}#${e.how}`);
          state = edit(state, path, e.how);
        }
        writeFileSync(file, JSON.stringify(state, undefined, '\t'));
        try {
          service.load();
        } catch (e) {
          if (!isSlrError(e)) throw e;
          expect(['state-tampered', 'state-corrupt', 'state-newer']).toContain(e.code);
          refusals++;
          return;
        }
        // Loaded: only if the state's content is what was saved (the edits undid each other, or touched only
        // the seal's own record in a way that leaves it matching).
        const content = (v: Json) => canonicalJson({ ...(v as Record<string, Json>), seal: null });
        expect(content(state), `loaded after ${done.join(', ')}`).toBe(content(original));
      }),
      { numRuns: 400, seed: Number(process.env.SLR_MODEL_SEED ?? 20261205) },
    );
    expect(refusals).toBeGreaterThan(300);
    writeFileSync(file, saved);
    expect(service.load().installed).not.toBeNull();
  });
});

// Hostile and broken input: a corpus (test/fixtures/hostile/ plus generated cases) and a mutation fuzzer
// over valid codes of every kind. Every case is refused with a precise message (an SlrError, never a crash),
// within a bounded time, and leaves the state byte for byte as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceService, type InstanceService } from '../electron/device/instance-service.ts';
import { readCodeFile } from '../electron/platform/files.ts';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { parseAuthorizationCode } from '../shared/codes/authorization-code.ts';
import { parseConfirmationCode, parseRequestCode, parseReturnCode } from '../shared/codes/device-codes.ts';
import { isSlrError } from '../shared/errors.ts';
import { execute } from '../shared/instance/commands.ts';
import { deviceCrypto } from '../electron/platform/crypto.ts';
import { issue, lines, makeAuthorityKey, makeDevice, T0 } from './helpers/world.ts';
import { rawDb } from './helpers/ledger-audit.ts';

const BOUND_MS = 5_000; // "no hang": generous, the typical case takes well under a millisecond
const messages = new Set<string>();
let cases = 0;

/** Runs one hostile case: it must be refused by an SlrError, promptly. Returns the message. */
function refused(fn: () => unknown, label: string): string {
  cases++;
  const start = performance.now();
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  const took = performance.now() - start;
  expect(took, `${label}: took ${took.toFixed(0)} ms`).toBeLessThan(BOUND_MS);
  expect(error, `${label}: was accepted`).not.toBeNull();
  if (!isSlrError(error)) throw new Error(`${label}: crashed with ${String(error)}`);
  expect(error.message.length, label).toBeGreaterThan(10);
  messages.add(
    `${error.code}: ${error.message
      .replace(/\d+/g, 'N')
      .replace(/"[^"]*"/g, '"…"')
      .replace(/'[^']*'/g, "'…'")}`,
  );
  return error.message;
}

afterAll(() => {
  console.log(`hostile input: ${cases} cases refused, reaching ${messages.size} distinct error messages`);
});

const corpusDir = new URL('./fixtures/hostile/', import.meta.url);
const corpus = readdirSync(corpusDir).map((name) => ({ name, path: join(corpusDir.pathname, name) }));
const generated: { name: string; text: string }[] = [
  { name: 'deeply nested', text: `${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}` },
  { name: 'deeply nested inside the root', text: `<specificPLR>${'<authorizationCode>'.repeat(5000)}` },
  { name: 'oversized', text: `<specificPLR>${'x'.repeat(2_000_000)}</specificPLR>` },
  { name: 'oversized value', text: `<specificPLR><authorizationCode><flag>${'A'.repeat(900_000)}</flag></authorizationCode></specificPLR>` },
  { name: 'many attributes', text: `<specificPLR ${Array.from({ length: 5000 }, (_, i) => `a${i}="1"`).join(' ')}></specificPLR>` },
  { name: 'only whitespace', text: ' \r\n\t \n' },
  { name: 'only quotes', text: '""' },
  { name: 'lone angle bracket', text: '<' },
  { name: 'json', text: '{"specificPLR":{"authorizationCode":{}}}' },
  { name: 'null bytes', text: '<specificPLR>\u0000\u0000</specificPLR>' },
  { name: 'right-to-left override', text: '<specificPLR><authorizationCode><flag>\u202EA</flag></authorizationCode></specificPLR>' },
];

describe('hostile input', () => {
  let home: string;
  let service: InstanceService;
  let file: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'slr-hostile-'));
    service = instanceService({ dir: home });
    await service.init('UCM', T0);
    const key = makeAuthorityKey();
    await service.trust(key.publicKey, 'test', T0);
    await service.run({ type: 'enable' }, T0);
    await service.run({ type: 'request' }, T0);
    file = join(home, 'product-instance.json');
  });

  it('refuses every file of the corpus, through the same path as install-file, changing nothing', async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
    await service.observe(T0 + 1000); // the clock reading is recorded by any run; from here on, nothing may change
    for (const c of corpus) {
      const before = readFileSync(file);
      let text: string | null = null;
      try {
        text = readCodeFile(c.path);
      } catch (e) {
        if (!isSlrError(e)) throw e;
        cases++;
        messages.add(`${e.code}: ${e.message.replace(/\/\S+/g, 'PATH')}`);
      }
      if (text !== null) {
        const t = text;
        await expect(service.run({ type: 'install', code: t }, T0 + 1000), c.name).rejects.toMatchObject({ name: 'SlrError' });
        refused(() => parseAuthorizationCode(t), c.name);
      }
      expect(readFileSync(file).equals(before), `${c.name} changed the state`).toBe(true);
    }
  });

  it('refuses every generated case, naming what is wrong', async () => {
    for (const g of generated) {
      const before = readFileSync(file);
      const message = refused(() => parseAuthorizationCode(g.text), g.name);
      await expect(service.run({ type: 'install', code: g.text }, T0 + 1000)).rejects.toMatchObject({ name: 'SlrError' });
      expect(readFileSync(file).equals(before)).toBe(true);
      if (g.name === 'oversized') expect(message).toMatch(/limit is 1048576/);
      if (g.name === 'deeply nested') expect(message).toMatch(/must start with <specificPLR>/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses hostile short codes on both sides, changing nothing in the ledger', async () => {
    const ledger: Ledger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-hostile-ledger-')), actor: 'test' }, true);
    try {
      await ledger.init('Hostile', T0);
      const snapshot = () => JSON.stringify([rawDb(ledger).prepare('SELECT * FROM lots').all(), rawDb(ledger).prepare('SELECT * FROM instances').all()]);
      const before = snapshot();
      const inputs = [
        '',
        ' ',
        '"',
        '-----',
        'A'.repeat(5000),
        '\u0000'.repeat(20),
        '😀😀😀😀😀',
        'ÀÁÂÃÄ-ÅÆÇÈÉ',
        '<specificPLR/>',
        '0'.repeat(85),
        'Z'.repeat(30),
        '%00%00',
        '__proto__',
        'constructor',
        '\u202E12345-67890',
      ];
      for (const input of inputs) {
        refused(() => parseRequestCode(input), `request ${JSON.stringify(input).slice(0, 20)}`);
        refused(() => parseConfirmationCode(input), `confirmation ${JSON.stringify(input).slice(0, 20)}`);
        refused(() => parseReturnCode(input), `return ${JSON.stringify(input).slice(0, 20)}`);
        await expect(
          ledger.reserve({ account: 'Default', request: input, licenses: { UCM_Basic: 1 } }, T0),
          `reserve ${JSON.stringify(input).slice(0, 20)}`,
        ).rejects.toMatchObject({ name: 'SlrError' });
      }
      expect(snapshot()).toBe(before);
    } finally {
      await ledger.close();
    }
  });
});

describe('mutation fuzzer', () => {
  const key = makeAuthorityKey();
  const device = makeDevice('UCM', T0, [key]);
  device.run({ type: 'enable' }, T0);
  device.run({ type: 'request' }, T0);
  const valid = issue(key, device, lines('UCM', { UCM_Basic: 5, UCM_CUWL: 2 }, { start: T0, end: T0 + 86_400_000 * 300 }), { timestamp: T0 + 10 }).code;
  const original = parseAuthorizationCode(valid);
  const crypto = deviceCrypto(device.privateKey);
  const state = device.state;
  const stateJson = JSON.stringify(state);
  const ELEMENTS = /<(\w+)>[^<]*<\/\1>/g;
  let harmless = 0;

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip'), at: fc.nat(), bit: fc.integer({ min: 0, max: 6 }) }),
    fc.record({ kind: fc.constant('drop'), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
    fc.record({
      kind: fc.constant('insert'),
      at: fc.nat(),
      text: fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom('<', '>', '&', '&amp;', '<x>', '</entitlement>', '<entitlement>', '"', '\n', '\r', ' ', '\u0000', '<!--', ']]>', '&lt;'),
      ),
    }),
    fc.record({ kind: fc.constant('drop-element'), which: fc.nat() }),
    fc.record({ kind: fc.constant('duplicate-element'), which: fc.nat() }),
    fc.record({ kind: fc.constant('swap-elements'), a: fc.nat(), b: fc.nat() }),
  );

  function mutate(text: string, m: Record<string, unknown>): string {
    const at = (n: unknown) => (n as number) % (text.length + 1);
    const elements = [...text.matchAll(ELEMENTS)];
    const el = (n: unknown) => elements[(n as number) % elements.length]!;
    switch (m.kind) {
      case 'flip': {
        const i = at(m.at) % text.length;
        return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << (m.bit as number))) + text.slice(i + 1);
      }
      case 'drop':
        return text.slice(0, at(m.at)) + text.slice(at(m.at) + (m.length as number));
      case 'insert':
        return text.slice(0, at(m.at)) + (m.text as string) + text.slice(at(m.at));
      case 'drop-element': {
        const e = el(m.which);
        return text.slice(0, e.index) + text.slice(e.index! + e[0].length);
      }
      case 'duplicate-element': {
        const e = el(m.which);
        return text.slice(0, e.index! + e[0].length) + e[0] + text.slice(e.index! + e[0].length);
      }
      default: {
        const [x, y] = [el(m.a), el(m.b)].sort((p, q) => p.index! - q.index!);
        if (x!.index === y!.index) return text.replace(x![0], '');
        return text.slice(0, x!.index) + y![0] + text.slice(x!.index! + x![0].length, y!.index) + x![0] + text.slice(y!.index! + y![0].length);
      }
    }
  }

  it('refuses every mutation of a valid authorization code that changes its meaning, and nothing changes', () => {
    fc.assert(
      fc.property(mutation, (m) => {
        const input = mutate(valid, m as Record<string, unknown>);
        fc.pre(input !== valid);
        try {
          const out = execute(state, { type: 'install', code: input }, { now: T0 + 20, crypto });
          // Accepted: then the mutation only touched white space or wrapping, and the signed content is the original's.
          expect(parseAuthorizationCode(input).signedBytes).toEqual(original.signedBytes);
          expect(out.state).not.toBe(state);
          harmless++;
        } catch (e) {
          if (!isSlrError(e)) throw e;
          cases++;
          messages.add(
            `${e.code}: ${e.message
              .replace(/\d+/g, 'N')
              .replace(/"[^"]*"/g, '"…"')
              .replace(/'[^']*'/g, "'…'")}`,
          );
        }
        expect(JSON.stringify(state)).toBe(stateJson);
      }),
      { numRuns: 3000 },
    );
    expect(harmless).toBeLessThan(300);
  });

  it('refuses every mutation of request, confirmation and return codes (typo caught, or the MAC does not match)', () => {
    const codes = {
      request: device.state.lastRequest!.code,
      confirmation: '',
      return: '',
    };
    const d2 = makeDevice('UCM', T0, [key]);
    d2.run({ type: 'enable' }, T0);
    d2.run({ type: 'request' }, T0);
    const first = issue(key, d2, lines('UCM', { UCM_Basic: 2 }), { timestamp: T0 + 1 });
    d2.run({ type: 'install', code: first.code }, T0 + 2);
    const upd = issue(key, d2, lines('UCM', { UCM_Basic: 1 }), { piid: first.piid, timestamp: T0 + 3 });
    codes.confirmation = d2.run({ type: 'install', code: upd.code }, T0 + 4).issued!.code;
    codes.return = d2.run({ type: 'return' }, T0 + 5).issued!.code;
    const parse = {
      request: (s: string) => parseRequestCode(s),
      confirmation: (s: string) => parseConfirmationCode(s).canonical,
      return: (s: string) => parseReturnCode(s).canonical,
    };
    for (const [kind, code] of Object.entries(codes) as [keyof typeof codes, string][]) {
      fc.assert(
        fc.property(fc.nat(), fc.integer({ min: 1, max: 127 }), fc.constantFrom('flip', 'drop', 'insert', 'swap'), (at, ch, op) => {
          const i = at % code.length;
          const c = String.fromCharCode(ch);
          const input =
            op === 'flip'
              ? code.slice(0, i) + c + code.slice(i + 1)
              : op === 'drop'
                ? code.slice(0, i) + code.slice(i + 1)
                : op === 'insert'
                  ? code.slice(0, i) + c + code.slice(i)
                  : code.slice(0, i) + (code[i + 1] ?? '') + code[i] + code.slice(i + 2);
          try {
            const result = parse[kind](input);
            // Accepted only when it reads as the same code (case, separators, I/L/O are not typos).
            expect(kind === 'request' ? JSON.stringify(result) : result).toBe(kind === 'request' ? JSON.stringify(parse.request(code)) : parse[kind](code));
          } catch (e) {
            if (!isSlrError(e)) throw e;
            cases++;
            messages.add(`${e.code}: ${e.message.replace(/\d+/g, 'N').replace(/'[^']*'/g, "'…'")}`);
          }
        }),
        { numRuns: 1500 },
      );
    }
  });
});

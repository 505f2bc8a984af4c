import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAuthorizationCode, signedBytesFor, isDerEcdsaSignature } from '../shared/codes/authorization-code.ts';
import { verifyMessage } from '../electron/platform/crypto.ts';
import { issue, lines, makeAuthorityKey, makeDevice, refusal, T0, days } from './helpers/world.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/seeds/${name}`, import.meta.url), 'utf8');

describe("the seeds' authorization code (seeds/003)", () => {
  it("parses: 5 entitlements, count 5 each, PERPETUAL, the seeds' UDI", () => {
    for (const name of ['003-install-command.txt', '003-install-command-wrapped.txt']) {
      const code = parseAuthorizationCode(fixture(name));
      expect(code.entitlements).toHaveLength(5);
      expect(code.entitlements.every((e) => e.count === 5 && e.licenseType === 'PERPETUAL')).toBe(true);
      expect(code.entitlements.map((e) => e.displayName)).toContain('UC Manager CUWL License (12.X)');
      expect(code.udi).toEqual({ pid: 'UCM', sn: 'cc920', uuid: 'e53fc968-0253-4d61-a355-ba908a6cc920' });
      expect(code.piid).toBe('6ca07f56-145c-4ace-bdc2-40417fd49d47');
      expect(code.timestamp).toBe('1552292522579');
      expect(isDerEcdsaSignature(code.signature)).toBe(true);
    }
  });

  it("reads a UDI as Cisco's documents print it too, with a space after each comma", () => {
    const bare = parseAuthorizationCode(fixture('003-install-command.txt')).text;
    const spaced = bare.replace('P:UCM,S:cc920,U:', 'P:UCM, S:cc920, U:');
    expect(spaced).not.toBe(bare);
    expect(parseAuthorizationCode(spaced).udi).toEqual({ pid: 'UCM', sn: 'cc920', uuid: 'e53fc968-0253-4d61-a355-ba908a6cc920' });
    expect(refusal(() => parseAuthorizationCode(bare.replace('P:UCM,S:cc920,U:', 'P:UCM,  S:cc920,U:'))).message).toMatch(/<udi> is not a UDI/);
  });

  it('parses however it is pasted: wrapped, indented, quoted, as a command line, with CRLF', () => {
    const bare = parseAuthorizationCode(fixture('003-install-command.txt')).text;
    const wrapped = bare.replace(/(.{70})/g, '$1\n    ');
    for (const input of [
      bare,
      `"${bare}"`,
      wrapped,
      wrapped.replace(/\n/g, '\r\n'),
      `admin:license smart reservation install "${wrapped}"`,
      `  '${bare}'  \n`,
      `\uFEFF${bare}`,
    ]) {
      expect(parseAuthorizationCode(input).signedBytes).toEqual(parseAuthorizationCode(bare).signedBytes);
    }
  });

  it('is refused as untrusted (not malformed) by a device: it is signed by a key we do not have', () => {
    const key = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [key]);
    device.run({ type: 'enable' }, T0);
    device.run({ type: 'request' }, T0);
    for (const name of ['003-install-command.txt', '003-install-command-wrapped.txt']) {
      const r = refusal(() => device.run({ type: 'install', code: fixture(name) }, T0 + 1000));
      expect(r.code).toBe('untrusted');
    }
  });
});

describe('the OCR-damaged codes of seeds/000 are refused as malformed, naming the element', () => {
  it.each([
    ['000-update-code-pid.txt', /<pid>, expected <piid>|udi/],
    ['000-install-command-transcript.txt', /must start with <specificPLR>/],
    ['000-update-code-ocr.txt', /entitlement/],
  ])('%s', (name, element) => {
    const r = refusal(() => parseAuthorizationCode(fixture(name)));
    expect(r.code).toBe('code-malformed');
    expect(r.message).toMatch(element);
  });

  it('names <pid> once the rest is well-formed', () => {
    const good = parseAuthorizationCode(fixture('003-install-command.txt')).text;
    const r = refusal(() => parseAuthorizationCode(good.replace('<piid>', '<pid>').replace('</piid>', '</pid>')));
    expect(r.message).toContain('element 3 is <pid>, expected <piid>');
  });
});

describe('structure and field checks', () => {
  const good = parseAuthorizationCode(fixture('003-install-command.txt')).text;
  const cases: [string, string, RegExp][] = [
    ['missing element', good.replace(/<version>C<\/version>/, ''), /element 2 is <piid>, expected <version>/],
    ['extra element', good.replace('</timestamp>', '</timestamp><extra>1</extra>'), /element 5 is <extra>, expected <entitlements>/],
    ['element out of order', good.replace('<signature>', '<udi>X</udi><signature>'), /expected <signature>/],
    ['attribute', good.replace('<flag>', '<flag x="1">'), /<flag> has attributes/],
    ['entity', good.replace('<flag>A', '<flag>&xxe;'), /only &amp;/],
    ['doctype', `<!DOCTYPE a [<!ENTITY x "y">]>${good}`, /must start with <specificPLR>/],
    ['comment inside', good.replace('<flag>', '<!--x--><flag>'), /declaration, comment, CDATA/],
    ['cdata', good.replace('<flag>A', '<flag><![CDATA[A]]>'), /declaration, comment, CDATA/],
    ['trailing element', `${good}<specificPLR></specificPLR>`, /there is more after the end of the code/],
    ['unclosed', good.replace('</specificPLR>', ''), /it is cut short: <specificPLR> is never closed/],
    [
      'truncated',
      good.slice(0, good.indexOf('<count>')),
      /it is cut short: <tag>, <entitlement>, <entitlements>, <authorizationCode>, <specificPLR> are never closed|<entitlement>, <entitlements>, <authorizationCode>, <specificPLR> are never closed/,
    ],
    ['bad flag', good.replace('<flag>A', '<flag>B'), /<flag>: expected A/],
    ['bad count', good.replace('<count>5</count>', '<count>-5</count>'), /<entitlement> 1 <count>: expected a whole number/],
    ['zero count', good.replace('<count>5</count>', '<count>0</count>'), /<count>: expected a whole number from 1/],
    ['count with space', good.replace('<count>5</count>', '<count>1 0</count>'), /<count>/],
    ['bad type', good.replace('<licenseType>PERPETUAL', '<licenseType>FOREVER'), /<licenseType>: expected PERPETUAL or TERM/],
    ['perpetual with dates', good.replace('<startDate></startDate>', '<startDate>2020-Mar-04 UTC</startDate>'), /PERPETUAL entitlement has empty/],
    ['term without dates', good.replace('<licenseType>PERPETUAL', '<licenseType>TERM'), /<startDate>: "" is not a date/],
    ['bad timestamp', good.replace(/<timestamp>\d+/, '<timestamp>soon'), /<timestamp>: expected milliseconds/],
    ['bad piid', good.replace(/<piid>[^<]+/, '<piid>nope'), /<piid>/],
    ['bad signature', good.replace(/<signature>[^<]+/, '<signature>not base64!'), /<signature>: expected an ECDSA P-256 signature/],
    ['signature not DER', good.replace(/<signature>[^<]+/, '<signature>AAAA'), /<signature>/],
    ['bad udi', good.replace(/<udi>[^<]+/, '<udi>P.UCM,S.cc920.U.x'), /<udi> is not a UDI/],
    ['udi serial mismatch', good.replace('S:cc920', 'S:cc921'), /does not match the UUID/],
    ['duplicate tag', good.replace(/(<entitlement>.*?<\/entitlement>)/, '$1$1'), /appears twice/],
    ['empty', '   ', /empty/],
  ];
  it.each(cases)('%s', (_name, input, message) => {
    expect(refusal(() => parseAuthorizationCode(input)).message).toMatch(message);
  });

  it('bounds the input size and the number of entitlements', () => {
    expect(refusal(() => parseAuthorizationCode('<specificPLR>' + ' '.repeat(1_100_000))).code).toBe('code-too-large');
    const many = good.replace(/(<entitlement>.*?<\/entitlement>)/, (m) =>
      Array.from({ length: 2001 }, (_, i) => m.replace('UCM_CUWL', `UCM_CUWL${i}`)).join(''),
    );
    expect(refusal(() => parseAuthorizationCode(many)).code).toBe('code-too-large');
  });
});

describe('signing', () => {
  it('round-trips: what an authority builds parses back to the same body and signed bytes', () => {
    const key = makeAuthorityKey();
    const device = makeDevice();
    const ents = lines('UCM', { UCM_Basic: 3, UCM_CUWL: 2 }, { start: T0, end: T0 + days(365) });
    const { code, piid } = issue(key, device, ents);
    const parsed = parseAuthorizationCode(code);
    expect(parsed.entitlements).toEqual(ents);
    expect(parsed.piid).toBe(piid);
    expect(parsed.signedBytes).toEqual(signedBytesFor(parsed, device.udi));
    expect(verifyMessage(key.publicKey, parsed.signedBytes, parsed.signature)).toBe(true);
  });

  it('is checkable with openssl and the exported public key, exactly as the README says', () => {
    const key = makeAuthorityKey();
    const device = makeDevice();
    const { code } = issue(key, device, lines('UCM', { UCM_Enhanced: 4 }));
    const dir = mkdtempSync(join(tmpdir(), 'slr-openssl-'));
    const wrapped = `license smart reservation install "${code.replace(/(.{64})/g, '$1\n  ')}"`;
    writeFileSync(join(dir, 'code.txt'), wrapped);
    writeFileSync(join(dir, 'authority.pem'), key.publicKey);
    // The core of README's recipe (README's own block, which first takes the signing key out of the key file, runs in openssl-recipe.test.ts):
    const script = `
      tr -d ' \\t\\r\\n' < code.txt > compact.txt
      sed -e 's|.*\\(<authorizationCode>.*</authorizationCode>\\).*\\(<udi>.*</udi>\\).*|\\1\\2|' compact.txt > signed.bin
      sed -e 's|.*<signature>\\(.*\\)</signature>.*|\\1|' compact.txt | openssl base64 -d -A > signature.der
      openssl dgst -sha256 -verify authority.pem -signature signature.der signed.bin`;
    expect(execFileSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8' })).toContain('Verified OK');
    writeFileSync(join(dir, 'code.txt'), wrapped.replace('<count>4</count>', '<count>40</count>'));
    let out = '';
    try {
      execFileSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      out = String((e as { stdout: string }).stdout) + String((e as { stderr: string }).stderr);
    }
    expect(out).toContain('Verification failure');
  });
});

describe('what people paste where an authorization code goes', () => {
  const key = makeAuthorityKey();
  const device = makeDevice('UCM', T0, [key]);
  device.run({ type: 'enable' }, T0);
  const request = device.run({ type: 'request' }, T0).issued!.code;
  const { code } = issue(key, { udi: device.udi, state: device.state }, lines('UCM', { UCM_Basic: 2 }), { timestamp: T0 + 60_000 });

  it('finds the one whole code inside an e-mail, wrapped, with text before and after', () => {
    const mail = `Hi,\n\nhere is the code you asked for:\n\n${code.match(/.{1,72}/g)!.join('\n')}\n\nRegards,\nLicense Central`;
    expect(parseAuthorizationCode(mail).text).toBe(code);
    expect(parseAuthorizationCode(`> ${code} (this one)`).text).toBe(code);
  });

  it('does not guess between two codes, or in a code cut off', () => {
    expect(refusal(() => parseAuthorizationCode(`first ${code} second ${code}`)).code).toBe('code-malformed');
    expect(refusal(() => parseAuthorizationCode(`here: ${code.slice(0, -20)}`)).code).toBe('code-malformed');
    // Markup around it is not an e-mail's text: refused as it is.
    expect(refusal(() => parseAuthorizationCode(`<?xml version="1.0"?>${code}`)).code).toBe('code-malformed');
    expect(refusal(() => parseAuthorizationCode(`${code}<!-- x -->`)).code).toBe('code-malformed');
  });

  it('names a request, confirmation or return code given instead, and where it goes', () => {
    const r = refusal(() => parseAuthorizationCode(request));
    expect(r).toMatchObject({ code: 'code-wrong-type', message: 'This is a request code, not an authorization code: it goes the other way.' });
    expect(r.hint).toMatch(/License Central \(License Reservation\)/);
    const update = issue(key, { udi: device.udi, state: device.state }, lines('UCM', { UCM_Basic: 3 }), { timestamp: T0 + 120_000 }).code;
    device.run({ type: 'install', code }, T0 + 90_000);
    const confirmation = device.run({ type: 'install', code: update }, T0 + 150_000).issued!.code;
    expect(refusal(() => parseAuthorizationCode(confirmation)).message).toBe('This is a confirmation code, not an authorization code: it goes the other way.');
    const ret = device.run({ type: 'return' }, T0 + 200_000).issued!.code;
    expect(refusal(() => parseAuthorizationCode(ret)).message).toBe('This is a return code, not an authorization code: it goes the other way.');
    // Anything else is still simply not an authorization code.
    expect(refusal(() => parseAuthorizationCode('ABCDE-FGHIJ')).code).toBe('code-malformed');
  });
});

describe('a broken code is explained in what happened to it, never in the XML parser’s words', () => {
  const valid = (() => {
    const key = makeAuthorityKey();
    return issue(key, makeDevice('UCM', T0, [key]), lines('UCM', { UCM_Basic: 2 })).code;
  })();
  it.each([
    [
      'a closing tag typed wrong',
      valid.replace('</displayName>', '</displayN>'),
      /<displayName> is closed as <\/displayN>: a tag's name was changed or cut \(near character \d+\)/,
    ],
    ['a closing tag never opened', valid.replace('<count>', ''), /<\/count> closes a tag that was never opened|<entitlement> is closed as <\/count>/],
    ['text after the end', `${valid} and more`, /there is more after the end of the code/],
    [
      'a broken closing tag',
      valid.replace('</count>', '</count'),
      /not well-formed XML near character \d+: a character or a tag was changed, added or lost in copying/,
    ],
    ['a stray character', valid.replace('<flag>', '<flag><'), /near character \d+/],
  ])('%s', (_, text, words) => {
    const r = refusal(() => parseAuthorizationCode(text));
    expect(r.code).toBe('code-malformed');
    expect(r.message).toMatch(words);
    expect(r.message).not.toMatch(/inplace|instead of closing tag|Invalid '\[|is not expected|opened in line|doesn't have proper/);
  });
});

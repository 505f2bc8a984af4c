/**
 * The authorization code: the seeds' XML, element for element.
 *
 *   <specificPLR><authorizationCode><flag/><version/><piid/><timestamp/><entitlements>
 *     <entitlement><tag/><count/><startDate/><endDate/><licenseType/><displayName/><tagDescription/>
 *     <subscriptionID/></entitlement>…</entitlements></authorizationCode><signature/><udi/></specificPLR>
 *
 * Signed bytes: take the code text, delete every white-space character (space, tab, CR, LF), and
 * concatenate the substring from `<authorizationCode>` to `</authorizationCode>` (inclusive) with
 * `<udi>` + the UDI + `</udi>`. The signature is ECDSA P-256 / SHA-256 over those bytes, DER, base64.
 * White space is left out so that wrapping cannot break a signature; no field whose meaning is checked
 * may contain white space (dates aside, where it only separates "UTC"), so it cannot change meaning either.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { elementsOf, expectChildren, leafText, malformed, nameOf, parseStrictXml, type XmlNode } from './authorization-xml.ts';
import { refuse } from '../errors.ts';
import { fromBase64, utf8 } from '../bytes.ts';
import { formatUdi, isUuid, parseUdi, type Udi } from '../udi.ts';
import { DAY_MS, parseCodeDate } from './dates.ts';
import { unpasteAuthorizationCode } from './paste.ts';
import { parseCheckpoint, splitCheckpoint, type Checkpoint } from './checkpoint.ts';
import { LIMITS } from '../limits.ts';
import { parseConfirmationCode, parseRequestCode, parseReturnCode } from './device-codes.ts';

export const MAX_AUTHORIZATION_INPUT = LIMITS.authorizationCodeChars;
export const MAX_ENTITLEMENTS = LIMITS.maxEntitlements;
const MAX_COUNT = LIMITS.maxCount;

export type LicenseType = 'PERPETUAL' | 'TERM';

export interface Entitlement {
  readonly tag: string;
  readonly count: number;
  readonly startDate: string;
  readonly endDate: string;
  readonly licenseType: LicenseType;
  readonly displayName: string;
  readonly tagDescription: string;
  readonly subscriptionID: string;
}

export interface AuthorizationBody {
  readonly flag: string;
  readonly version: string;
  readonly piid: string;
  /** Milliseconds since the epoch, as the decimal string in the code. */
  readonly timestamp: string;
  readonly entitlements: readonly Entitlement[];
}

export interface AuthorizationCode extends AuthorizationBody {
  readonly signature: Uint8Array;
  readonly udi: Udi;
  /** The exact bytes the signature covers. */
  readonly signedBytes: Uint8Array;
  /** The code as one line, as it was given (wrapping and quotes removed), without its checkpoint. */
  readonly text: string;
  /** License Central's checkpoint that came with it (checkpoint.ts; its signature not checked here), or null. */
  readonly checkpoint: Checkpoint | null;
}

const ROOT = 'specificPLR';
const ROOT_CHILDREN = ['authorizationCode', 'signature', 'udi'];
const CODE_CHILDREN = ['flag', 'version', 'piid', 'timestamp', 'entitlements'];
const ENTITLEMENT_CHILDREN = ['tag', 'count', 'startDate', 'endDate', 'licenseType', 'displayName', 'tagDescription', 'subscriptionID'];

// ---------------------------------------------------------------------------------------------- building

const builder = new XMLBuilder({ suppressEmptyNode: false, processEntities: true, format: false });

function bodyXml(body: AuthorizationBody): string {
  return builder.build({
    authorizationCode: {
      flag: body.flag,
      version: body.version,
      piid: body.piid,
      timestamp: body.timestamp,
      entitlements: {
        entitlement: body.entitlements.map((e) => ({
          tag: e.tag,
          count: String(e.count),
          startDate: e.startDate,
          endDate: e.endDate,
          licenseType: e.licenseType,
          displayName: e.displayName,
          tagDescription: e.tagDescription,
          subscriptionID: e.subscriptionID,
        })),
      },
    },
  }) as string;
}

const stripWhiteSpace = (s: string) => s.replace(/[ \t\r\n]/g, '');

/** The bytes an authority signs for `body` bound to `udi` (see the header comment). */
export function signedBytesFor(body: AuthorizationBody, udi: Udi): Uint8Array {
  return utf8(stripWhiteSpace(bodyXml(body)) + `<udi>${formatUdi(udi)}</udi>`);
}

export function buildAuthorizationCode(body: AuthorizationBody, udi: Udi, signature: string): string {
  const xml = bodyXml(body);
  return `<${ROOT}>${xml}<signature>${signature}</signature><udi>${formatUdi(udi)}</udi></${ROOT}>`;
}

// ---------------------------------------------------------------------------------------------- parsing

function field(where: string, value: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) refuse('code-field', `${where}: expected ${expected}, found "${value.slice(0, 80)}".`);
  return value;
}

const TEXT = /^[^\u0000-\u001f\u007f]{0,256}$/;

function parseEntitlement(node: XmlNode, index: number): Entitlement {
  const path = `<entitlement> ${index + 1}`;
  const kids = expectChildren(node, path, ENTITLEMENT_CHILDREN);
  const v = Object.fromEntries(kids.map((k) => [nameOf(k), leafText(k, `${path} <${nameOf(k)}>`)])) as Record<string, string>;
  const at = (name: string) => `${path} <${name}>`;
  const tag = field(at('tag'), v.tag!, /^[A-Za-z0-9._,:+-]{1,200}$/, 'an entitlement tag (regid.…)');
  const countText = field(at('count'), v.count!, /^[0-9]{1,7}$/, `a whole number from 1 to ${MAX_COUNT}`);
  const count = Number(countText);
  if (count < 1 || count > MAX_COUNT) refuse('code-field', `${at('count')}: expected a whole number from 1 to ${MAX_COUNT}, found "${countText}".`);
  const licenseType = field(at('licenseType'), v.licenseType!, /^(PERPETUAL|TERM)$/, 'PERPETUAL or TERM') as LicenseType;
  if (licenseType === 'PERPETUAL') {
    if (v.startDate !== '' || v.endDate !== '') refuse('code-field', `${path}: a PERPETUAL entitlement has empty <startDate> and <endDate>.`);
  } else {
    const start = parseCodeDate(v.startDate!, at('startDate'));
    const end = parseCodeDate(v.endDate!, at('endDate'));
    if (end < start) refuse('code-field', `${path}: <endDate> ${v.endDate} is before <startDate> ${v.startDate}.`);
  }
  field(at('displayName'), v.displayName!, TEXT, 'text of at most 256 characters');
  field(at('tagDescription'), v.tagDescription!, TEXT, 'text of at most 256 characters');
  field(at('subscriptionID'), v.subscriptionID!, /^[A-Za-z0-9._:-]{0,64}$/, 'an empty or short identifier');
  return {
    tag,
    count,
    licenseType,
    startDate: v.startDate!,
    endDate: v.endDate!,
    displayName: v.displayName!,
    tagDescription: v.tagDescription!,
    subscriptionID: v.subscriptionID!,
  };
}

/** A tag may appear more than once only with different terms (say, a PERPETUAL and a TERM lot). */
function checkDistinctTerms(entitlements: readonly Entitlement[]): void {
  const seen = new Set<string>();
  entitlements.forEach((e, i) => {
    const key = `${e.tag}|${e.licenseType}|${e.startDate}|${e.endDate}`;
    if (seen.has(key)) refuse('code-field', `<entitlement> ${i + 1}: tag ${e.tag} appears twice with the same term.`);
    seen.add(key);
  });
}

/** The <signature> element: an ECDSA P-256 signature, DER, base64 (white space allowed). */
function signatureOf(node: XmlNode): Uint8Array {
  const text = leafText(node, '<signature>').replace(/\s+/g, '');
  const signature = fromBase64(text);
  if (!signature || !isDerEcdsaSignature(signature)) {
    refuse('code-field', `<signature>: expected an ECDSA P-256 signature (DER, base64), found "${text.slice(0, 40)}${text.length > 40 ? '…' : ''}".`);
  }
  return signature;
}

/** Where a code of each other kind goes, said when one is given where an authorization code goes. */
const GOES_TO: readonly (readonly [string, (text: string) => unknown, string])[] = [
  ['request code', parseRequestCode, 'Enter it in License Central (License Reservation); the authorization code License Central gives back is what goes here.'],
  ['confirmation code', parseConfirmationCode, 'A device made it for License Central: enter it there (the instance’s “Enter Confirmation Code…”).'],
  ['return code', parseReturnCode, 'A device made it for License Central: enter it there (the instance’s “Remove…”).'],
];

/** A request, confirmation or return code given where an authorization code goes: named, with where it goes. */
function refuseOtherKind(text: string): void {
  if (text.length > 200) return;
  for (const [name, parse, where] of GOES_TO) {
    try {
      parse(text);
    } catch {
      continue;
    }
    refuse('code-wrong-type', `This is a ${name}, not an authorization code: it goes the other way.`, where);
  }
}

/**
 * Parses an authorization code as pasted or loaded from a file. Refuses, naming the element and what was
 * expected, anything that is not exactly the seeds' structure with valid values. Does not check the
 * signature (that needs a key): see verifySignature in the instance engine.
 */
export function parseAuthorizationCode(input: string): AuthorizationCode {
  if (input.length > MAX_AUTHORIZATION_INPUT) {
    refuse(
      'code-too-large',
      `The authorization code is ${input.length} characters long; the limit is ${MAX_AUTHORIZATION_INPUT}.`,
      'Check that the right file was chosen.',
    );
  }
  const { code: text, checkpoint } = splitCheckpoint(unpasteAuthorizationCode(input));
  if (text === '') refuse('code-empty', 'The authorization code is empty.', 'Paste the code from License Central or load it from its file.');
  if (!text.startsWith(`<${ROOT}>`)) {
    refuseOtherKind(text);
    malformed(`it must start with <${ROOT}>, but starts with "${text.slice(0, 40)}".`);
  }
  const root = parseStrictXml(text, ROOT);
  const [codeNode, signatureNode, udiNode] = expectChildren(root, `<${ROOT}>`, ROOT_CHILDREN) as [XmlNode, XmlNode, XmlNode];
  const codeKids = expectChildren(codeNode, '<authorizationCode>', CODE_CHILDREN);
  const leaf = (i: number) => leafText(codeKids[i]!, `<${CODE_CHILDREN[i]}>`);
  const flag = field('<flag>', leaf(0), /^A$/, 'A');
  const version = field('<version>', leaf(1), /^C$/, 'C');
  const piid = field('<piid>', leaf(2), /^[0-9a-fA-F-]{36}$/, 'a product instance UUID');
  if (!isUuid(piid.toLowerCase())) refuse('code-field', `<piid>: expected a product instance UUID, found "${piid}".`);
  const timestamp = field('<timestamp>', leaf(3), /^[1-9][0-9]{0,14}$/, 'milliseconds since 1970 (digits)');
  const list = elementsOf(codeKids[4]!, '<entitlements>');
  if (list.length > MAX_ENTITLEMENTS) refuse('code-too-large', `The authorization code has ${list.length} entitlements; the limit is ${MAX_ENTITLEMENTS}.`);
  const entitlements = list.map((node, i) => {
    if (nameOf(node) !== 'entitlement') malformed(`<entitlements>: element ${i + 1} is <${nameOf(node)}>, expected <entitlement>.`);
    return parseEntitlement(node, i);
  });
  checkDistinctTerms(entitlements);
  const signature = signatureOf(signatureNode);
  const udiText = leafText(udiNode, '<udi>');
  const udi = parseUdi(udiText, 'Element <udi>');
  const compact = stripWhiteSpace(text);
  const signed = compact.slice(compact.indexOf('<authorizationCode>'), compact.indexOf('</authorizationCode>') + '</authorizationCode>'.length);
  return {
    flag,
    version,
    piid: piid.toLowerCase(),
    timestamp,
    entitlements,
    signature,
    udi,
    text,
    signedBytes: utf8(`${signed}<udi>${udiText.replace(/\s/g, '')}</udi>`),
    checkpoint: checkpoint === null ? null : parseCheckpoint(checkpoint),
  };
}

/** DER ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }, minimal encodings, each at most 33 bytes. */
export function isDerEcdsaSignature(sig: Uint8Array): boolean {
  if (sig.length < 8 || sig.length > 72 || sig[0] !== 0x30 || sig[1] !== sig.length - 2) return false;
  let at = 2;
  for (let i = 0; i < 2; i++) {
    if (sig[at] !== 0x02) return false;
    const len = sig[at + 1]!;
    if (len < 1 || len > 33 || at + 2 + len > sig.length) return false;
    const first = sig[at + 2]!;
    if (first & 0x80) return false; // negative
    if (len > 1 && first === 0 && !(sig[at + 3]! & 0x80)) return false; // not minimal
    at += 2 + len;
  }
  return at === sig.length;
}

/** Start and end (exclusive) in ms of when an entitlement counts; PERPETUAL is always. */
export function validityWindow(e: Entitlement): { from: number; until: number } {
  if (e.licenseType === 'PERPETUAL') return { from: -Infinity, until: Infinity };
  return { from: parseCodeDate(e.startDate, 'startDate'), until: parseCodeDate(e.endDate, 'endDate') + DAY_MS };
}

export function isValidAt(e: Entitlement, now: number): boolean {
  const w = validityWindow(e);
  return now >= w.from && now < w.until;
}

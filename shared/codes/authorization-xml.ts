/**
 * Reading the authorization code's XML strictly (fast-xml-parser, order preserved): one root element, no
 * declaration, comment, CDATA, processing instruction or attribute, no text between elements, only XML's
 * five entities; every refusal names the element and what was expected.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { refuse } from '../errors.ts';

export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  trimValues: false,
  ignoreAttributes: false,
  ignoreDeclaration: false,
  ignorePiTags: false,
  commentPropName: '#comment',
  cdataPropName: '#cdata',
  maxNestedTags: 8,
});

export function malformed(message: string): never {
  return refuse(
    'code-malformed',
    `The authorization code is malformed: ${message}`,
    'Copy the whole code again from License Central, or load it from its file.',
  );
}

export function nameOf(node: XmlNode): string {
  const keys = Object.keys(node).filter((k) => k !== ':@');
  return keys[0] ?? '';
}

export function childrenOf(node: XmlNode): XmlNode[] {
  return node[nameOf(node)] as XmlNode[];
}

/** The child elements of `node`, refusing attributes, text between elements and non-element content. */
export function elementsOf(node: XmlNode, path: string): XmlNode[] {
  if (node[':@']) malformed(`${path} has attributes; none are allowed.`);
  const elements: XmlNode[] = [];
  for (const kid of childrenOf(node)) {
    const n = nameOf(kid);
    if (n === '#text') {
      const t = String(kid['#text']);
      if (t.trim() !== '') malformed(`${path} contains the text "${t.slice(0, 40)}" between its elements.`);
      continue;
    }
    if (n.startsWith('#') || n.startsWith('?')) malformed(`${path} contains a ${n.replace(/^[#?]/, '')} section; none are allowed.`);
    elements.push(kid);
  }
  return elements;
}

/** Checks that `node` has exactly the child elements `expected`, in order, and no attributes. */
export function expectChildren(node: XmlNode, path: string, expected: readonly string[]): XmlNode[] {
  const elements = elementsOf(node, path);
  expected.forEach((want, i) => {
    const got = elements[i];
    if (!got) malformed(`${path} ends after ${i} element${i === 1 ? '' : 's'}: <${want}> is missing.`);
    if (nameOf(got) !== want) malformed(`${path}: element ${i + 1} is <${nameOf(got)}>, expected <${want}>.`);
  });
  if (elements.length > expected.length) {
    malformed(`${path}: unexpected element <${nameOf(elements[expected.length]!)}> after <${expected[expected.length - 1]}>.`);
  }
  return elements;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of a leaf element, entities decoded (only XML's five), or a precise refusal. */
export function leafText(node: XmlNode, path: string): string {
  if (node[':@']) malformed(`${path} has attributes; none are allowed.`);
  let text = '';
  for (const kid of childrenOf(node)) {
    const n = nameOf(kid);
    if (n !== '#text') malformed(`${path} must hold text only, found ${n.startsWith('#') ? `a ${n.slice(1)} section` : `<${n}>`}.`);
    text += String(kid['#text']);
  }
  return text
    .replace(/&([a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);|&/g, (m, name: string | undefined) => {
      if (name && ENTITIES[name]) return ENTITIES[name];
      return malformed(`${path} contains "${m}"; only &amp; &lt; &gt; &quot; &apos; are allowed.`);
    })
    .trim();
}

/** fast-xml-parser's validation error, in words an operator can act on. */
function describeXmlError(err: { code: string; msg: string; col: number }): string {
  const unclosed = /^Invalid '\[(.*)\]' found/.exec(err.msg);
  if (unclosed) {
    let names: string[];
    try {
      names = JSON.parse(`[${unclosed[1]}]`) as string[];
    } catch {
      names = [];
    }
    if (names.length)
      return `it is cut short: ${names
        .map((n) => `<${n}>`)
        .reverse()
        .join(', ')} ${names.length === 1 ? 'is' : 'are'} never closed.`;
  }
  const single = /^Unclosed tag '([^']+)'/.exec(err.msg);
  if (single) return `it is cut short: <${single[1]}> is never closed.`;
  for (const [pattern, explain] of XML_ERRORS) {
    const m = pattern.exec(err.msg);
    if (m) return `${explain(m)} (near character ${err.col}).`;
  }
  return `it is not well-formed XML near character ${err.col}: a character or a tag was changed, added or lost in copying.`;
}

/** The validator's other messages, as what happened to the code (the parser's own words are not shown). */
const XML_ERRORS: readonly (readonly [RegExp, (m: RegExpExecArray) => string])[] = [
  [
    /^Expected closing tag '([^']+)' \(opened in line \d+, col \d+\) instead of closing tag '([^']+)'/,
    (m) => `<${m[1]}> is closed as </${m[2]}>: a tag's name was changed or cut`,
  ],
  [/^Closing tag '([^']+)' has not been opened/, (m) => `</${m[1]}> closes a tag that was never opened`],
  [/^Closing tag '([^']+)'/, (m) => `the closing tag </${m[1]}> is broken`],
  [/^char '(.)' is not expected/, (m) => `the character “${m[1]}” does not belong there`],
  [/^Extra text at the end|^Multiple possible root nodes/, () => 'there is more after the end of the code'],
  [/^Start tag expected/, () => 'it does not start with a tag'],
  [/^(?:Attributes for|Attribute|boolean attribute) '/, () => 'a tag carries attributes, which no authorization code has'],
];

/** The one root element `root` of `text`, after the checks above; refused, precisely, otherwise. */
export function parseStrictXml(text: string, root: string): XmlNode {
  if (/<!|<\?/.test(text)) malformed('it contains a declaration, comment, CDATA or processing instruction (<! or <?); none are allowed.');
  const valid = XMLValidator.validate(text);
  if (valid !== true) malformed(describeXmlError(valid.err));
  let doc: XmlNode[];
  try {
    doc = parser.parse(text) as XmlNode[];
  } catch (e) {
    return malformed(e instanceof Error ? e.message : String(e));
  }
  const roots = doc.filter((n) => nameOf(n) !== '#text' || String(n['#text']).trim() !== '');
  if (roots.length !== 1 || nameOf(roots[0]!) !== root) {
    malformed(`expected one <${root}> element, found ${roots.map((r) => `<${nameOf(r)}>`).join(', ')}; text after </${root}> is not allowed.`);
  }
  return roots[0]!;
}

import { XMLParser, XMLValidator } from 'fast-xml-parser';

// A strict, namespace-aware reader for small request documents. fast-xml-parser
// is fast and has no entity expansion or depth blow-up, but only its validator
// is strict, so we validate first, refuse every DTD, decode entity and
// character references ourselves, and resolve namespaces ourselves.

/** An element with its namespace resolved. */
export interface XmlElement {
  readonly localName: string;
  /** Namespace URI, '' when the element is in no namespace. */
  readonly namespace: string;
  readonly children: readonly XmlElement[];
  /** Concatenated character data directly inside this element (entities decoded). */
  readonly text: string;
}

// fast-xml-parser's preserveOrder node shape.
type RawNode = { [name: string]: RawNode[] | string | Record<string, string> | undefined; ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  cdataPropName: '#cdata',
});

// Characters XML 1.0 allows in a document (section 2.2).
const FORBIDDEN_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
// Any markup declaration (DOCTYPE, ENTITY, ...) other than a comment or CDATA section.
const MARKUP_DECLARATION = /<!(?!--|\[CDATA\[)/;
// The XML declaration may only open the document; fast-xml-parser's validator accepts it anywhere.
const MISPLACED_DECLARATION = /(?<!^)<\?xml[\s?]/i;
const REFERENCE = /&([^;&\s]*);|&/g;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

class NotWellFormed extends Error {}

function decodeReferences(text: string): string {
  return text.replace(REFERENCE, (whole, name: string | undefined) => {
    if (name === undefined) throw new NotWellFormed('bare &');
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!numeric) throw new NotWellFormed(`undeclared entity ${whole}`);
    const codePoint = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2]!, 10);
    if (codePoint > 0x10ffff) throw new NotWellFormed('character reference out of range');
    const char = String.fromCodePoint(codePoint);
    if (FORBIDDEN_CHAR.test(char)) throw new NotWellFormed('reference to a forbidden character');
    return char;
  });
}

function splitName(qualified: string): { prefix: string; local: string } {
  const colon = qualified.indexOf(':');
  return colon < 0 ? { prefix: '', local: qualified } : { prefix: qualified.slice(0, colon), local: qualified.slice(colon + 1) };
}

function elementName(node: RawNode): string {
  const name = Object.keys(node).find((key) => key !== ':@');
  if (name === undefined) throw new NotWellFormed('empty node');
  return name;
}

function buildElement(node: RawNode, name: string, scope: ReadonlyMap<string, string>): XmlElement {
  const attributes = node[':@'] ?? {};
  let inner: Map<string, string> | undefined;
  for (const [attr, value] of Object.entries(attributes)) {
    // fast-xml-parser's validator lets a raw "<" through in attribute values; XML forbids it.
    if (value.includes('<')) throw new NotWellFormed('< in an attribute value');
    const decoded = decodeReferences(value);
    if (attr === 'xmlns') (inner ??= new Map(scope)).set('', decoded);
    else if (attr.startsWith('xmlns:')) (inner ??= new Map(scope)).set(attr.slice(6), decoded);
  }
  const elementScope = inner ?? scope;
  const { prefix, local } = splitName(name);
  const namespace = elementScope.get(prefix);
  if (namespace === undefined) throw new NotWellFormed(`unbound prefix ${prefix}`);

  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[name] as RawNode[] | undefined) ?? []) {
    const raw = child['#text'];
    if (typeof raw === 'string') {
      if (raw.includes(']]>')) throw new NotWellFormed(']]> in character data');
      text += decodeReferences(raw);
    }
    else if (Array.isArray(child['#cdata'])) text += child['#cdata'].map((c) => c['#text'] ?? '').join('');
    else children.push(buildElement(child, elementName(child), elementScope));
  }
  return { localName: local, namespace, children, text };
}

/** Parses a whole document strictly; undefined when it is not well-formed or has a DTD. */
export function parseXmlDocument(text: string): XmlElement | undefined {
  if (FORBIDDEN_CHAR.test(text) || MARKUP_DECLARATION.test(text) || MISPLACED_DECLARATION.test(text)) return undefined;
  if (XMLValidator.validate(text) !== true) return undefined;
  try {
    const nodes = parser.parse(text) as RawNode[];
    const stray = nodes.some((node) => typeof node['#text'] === 'string' && node['#text'].trim() !== '');
    const top = nodes.filter((node) => typeof node['#text'] !== 'string');
    if (stray || top.length !== 1) return undefined;
    const root = top[0]!;
    return buildElement(root, elementName(root), new Map([['', ''], ['xml', 'http://www.w3.org/XML/1998/namespace']]));
  } catch {
    // NotWellFormed, or the parser's own limits (nesting depth): both mean "not a request we read".
    return undefined;
  }
}

import { XMLValidator } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import { expect } from 'vitest';

// Reads a rendered answer the way a namespace-aware client would, with a
// parser independent of the one under test: fast-xml-parser's validator for
// strict well-formedness, xmlbuilder2's DOM for namespaces and decoded text.

export const NS = {
  outer: 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006',
  outlook: 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
  mobileSync: 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006',
} as const;

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/** The DOM element shape we read (xmlbuilder2 exposes a W3C DOM). */
export interface DomElement {
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly prefix: string | null;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<{ nodeType: number }>;
  getAttribute(name: string): string | null;
  readonly attributes: ArrayLike<{ name: string; value: string }>;
}

export const elements = (parent: DomElement): DomElement[] =>
  Array.from(parent.childNodes).filter((node) => node.nodeType === 1) as unknown as DomElement[];

/** Children called `name` (local name). */
export const childrenNamed = (parent: DomElement, name: string): DomElement[] =>
  elements(parent).filter((child) => child.localName === name);

/** The one child called `name`; fails the test when there is not exactly one. */
export function only(parent: DomElement, name: string): DomElement {
  const found = childrenNamed(parent, name);
  expect(found, `exactly one <${name}> under <${parent.localName}>`).toHaveLength(1);
  return found[0]!;
}

/** Follows a path of local names (`Response/Account/Action`), one element per step. */
export function at(parent: DomElement, path: string): DomElement {
  return path.split('/').reduce((element, name) => only(element, name), parent);
}

export const textAt = (parent: DomElement, path: string): string => at(parent, path).textContent ?? '';

const PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** fast-xml-parser's validator does not check references: every `&` must start a predefined or legal character reference. */
function expectLegalReferences(body: string): void {
  for (const match of body.matchAll(/&([^;&<\s]*)(;?)/g)) {
    const [whole, name = '', semicolon] = match;
    expect(semicolon, `"${whole}" is a complete reference`).toBe(';');
    if (PREDEFINED.has(name)) continue;
    const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(name);
    expect(numeric, `"${whole}" is a predefined entity or a character reference`).not.toBeNull();
    const codePoint = numeric![1] !== undefined ? parseInt(numeric![1], 16) : parseInt(numeric![2]!, 10);
    expect(codePoint <= 0x10ffff && !FORBIDDEN.test(String.fromCodePoint(codePoint)), `"${whole}" names a character XML allows`).toBe(true);
  }
}

function allElements(root: DomElement): DomElement[] {
  return [root, ...elements(root).flatMap(allElements)];
}

// Characters XML 1.0 forbids in a document.
const FORBIDDEN = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/**
 * Parses any XML answer (Autodiscover, autoconfig) and checks what every one
 * must satisfy: the declaration first, well-formed, no forbidden characters,
 * only legal references, no prefixed elements. Returns the root element.
 */
export function parseXmlAnswer(body: string): DomElement {
  expect(body.startsWith(XML_DECLARATION), 'answer starts with the XML declaration').toBe(true);
  expect(FORBIDDEN.test(body), 'no character XML forbids').toBe(false);
  expect(XMLValidator.validate(body)).toBe(true);
  expectLegalReferences(body);
  // xmlbuilder2's reader decodes the predefined entities and then character
  // references in a second pass, so "&amp;#65;" would read as "A"; handing it
  // "&#38;" instead keeps the decoding to one pass, as XML requires.
  const root = create(body.replace(/&amp;/g, '&#38;')).root().node as unknown as DomElement;
  for (const element of allElements(root)) expect(element.prefix, `<${element.localName}> has no prefix`).toBeNull();
  expect(body).not.toMatch(/xmlns:/);
  return root;
}

/** Parses an Autodiscover answer: `parseXmlAnswer`'s checks, and the root `Autodiscover` in the outer namespace. */
export function parseAnswer(body: string): DomElement {
  const root = parseXmlAnswer(body);
  expect(root.localName).toBe('Autodiscover');
  expect(root.namespaceURI).toBe(NS.outer);
  return root;
}

export interface ErrorDocument {
  readonly responseNamespace: string | null;
  readonly code: string;
  readonly message: string;
  readonly time: string;
  readonly id: string;
  readonly debugData: string;
  readonly errorChildren: string[];
}

/** Reads an error answer, checking the shape every error document has. */
export function readError(body: string): ErrorDocument {
  const root = parseAnswer(body);
  const response = only(root, 'Response');
  expect(elements(response).map((e) => e.localName)).toEqual(['Error']);
  const error = only(response, 'Error');
  for (const child of elements(error)) expect(child.namespaceURI).toBe(response.namespaceURI);
  const debug = only(error, 'DebugData');
  expect(elements(debug)).toHaveLength(0);
  return {
    responseNamespace: response.namespaceURI,
    code: textAt(error, 'ErrorCode'),
    message: textAt(error, 'Message'),
    time: error.getAttribute('Time') ?? '',
    id: error.getAttribute('Id') ?? '',
    debugData: debug.textContent ?? '',
    errorChildren: elements(error).map((e) => e.localName),
  };
}

export type ProtocolBlock = Readonly<Record<string, string>> & { readonly order: readonly string[] };

export interface SettingsDocument {
  readonly root: DomElement;
  readonly response: DomElement;
  readonly user: DomElement | undefined;
  readonly account: DomElement;
  readonly protocols: ProtocolBlock[];
}

/** Reads an Outlook settings answer: every element under `Response` in the 2006a namespace. */
export function readSettings(body: string): SettingsDocument {
  const root = parseAnswer(body);
  const response = only(root, 'Response');
  expect(response.namespaceURI).toBe(NS.outlook);
  for (const element of allElements(response)) expect(element.namespaceURI).toBe(NS.outlook);
  const users = childrenNamed(response, 'User');
  expect(users.length).toBeLessThanOrEqual(1);
  const account = only(response, 'Account');
  const protocols = childrenNamed(account, 'Protocol').map((protocol) => {
    const children = elements(protocol);
    for (const child of children) expect(elements(child), `<${child.localName}> is a leaf`).toHaveLength(0);
    const order = children.map((c) => c.localName);
    expect(new Set(order).size, 'no element repeated in a Protocol').toBe(order.length);
    return Object.assign(Object.fromEntries(children.map((c) => [c.localName, c.textContent ?? ''])), { order }) as ProtocolBlock;
  });
  return { root, response, user: users[0], account, protocols };
}

// A strict, namespace-aware XML reader for small request documents, written
// for this one job: a single linear pass that either returns the element tree
// or refuses the document. It never expands entities (only the five
// predefined ones and character references exist), refuses every DTD, limits
// nesting depth, and treats anything not well-formed (XML 1.0 + Namespaces)
// as "not a request". General-purpose parsers measured here were either
// lenient with broken XML or several times slower than the rest of a request.

/** An element with its namespace resolved. */
export interface XmlElement {
  readonly localName: string;
  /** Namespace URI, '' when the element is in no namespace. */
  readonly namespace: string;
  readonly children: readonly XmlElement[];
  /** Concatenated character data directly inside this element (references decoded). */
  readonly text: string;
}

/** Real requests are three levels deep; anything far deeper is not one. */
const MAX_DEPTH = 16;

// Characters XML 1.0 allows in a document (section 2.2).
const FORBIDDEN_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
// XML 1.0 Name (BMP only; astral name characters are refused, which no request uses).
const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME = new RegExp(`[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`, 'y');
// Namespaces 1.0: the prefix and the local part are each an NCName, so each starts with a name-start character other than ':'.
const NC_NAME_START = new RegExp(`^[${NAME_START.slice(1)}]`);
const SPACE = /[ \t\r\n]*/y;
const LINE_END = /\r\n?/g;
const REQUIRED_SPACE = /[ \t\r\n]+/y;
const XML_DECLARATION = /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/y;
// Any number of digits is legal (`&#0065;`); the value is range-checked after parsing.
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

class NotWellFormed extends Error {}

const fail = (why: string): never => {
  throw new NotWellFormed(why);
};

function splitQName(qname: string): { prefix: string; localName: string } {
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const localName = colon < 0 ? qname : qname.slice(colon + 1);
  if (localName.includes(':') || !NC_NAME_START.test(localName) || (colon >= 0 && !NC_NAME_START.test(prefix))) fail('malformed qualified name');
  return { prefix, localName };
}

/**
 * The namespace bindings in force: an element's own declarations, chained to
 * its parent's. Copying the whole scope per declaring element made a document
 * with many declarations quadratic; the chain is at most MAX_DEPTH long.
 */
interface Scope {
  readonly bindings: ReadonlyMap<string, string>;
  readonly parent?: Scope;
}

function lookupNamespace(scope: Scope | undefined, prefix: string): string | undefined {
  for (; scope !== undefined; scope = scope.parent) {
    const uri = scope.bindings.get(prefix);
    if (uri !== undefined) return uri;
  }
  return undefined;
}

interface OpenElement {
  readonly qname: string;
  readonly localName: string;
  readonly namespace: string;
  readonly scope: Scope;
  readonly children: XmlElement[];
  text: string;
}

class Reader {
  private pos = 0;

  constructor(private readonly src: string) {}

  document(): XmlElement {
    const { src } = this;
    XML_DECLARATION.lastIndex = 0;
    // Anything else starting `<?xml` is read as a processing instruction, which refuses the target `xml`.
    if (XML_DECLARATION.test(src)) this.pos = XML_DECLARATION.lastIndex;
    this.misc();
    if (src[this.pos] !== '<') fail('no root element');
    const root = this.element({ bindings: new Map([['', ''], ['xml', XML_NAMESPACE]]) }, 1);
    this.misc();
    if (this.pos !== src.length) fail('content after the root element');
    return root;
  }

  /** Comments, processing instructions and white space between top-level parts. */
  private misc(): void {
    for (;;) {
      this.space();
      if (this.src.startsWith('<!--', this.pos)) this.comment();
      else if (this.src.startsWith('<?', this.pos)) this.processingInstruction();
      else return;
    }
  }

  private space(): void {
    SPACE.lastIndex = this.pos;
    SPACE.test(this.src);
    this.pos = SPACE.lastIndex;
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.src) ?? fail('name expected');
    this.pos = NAME.lastIndex;
    return match[0];
  }

  private comment(): void {
    const end = this.src.indexOf('--', this.pos + 4);
    if (end < 0 || this.src[end + 2] !== '>') fail('"--" inside a comment, or comment not closed');
    this.pos = end + 3;
  }

  private processingInstruction(): void {
    this.pos += 2;
    const target = this.name();
    if (target.toLowerCase() === 'xml') fail('XML declaration out of place');
    if (target.includes(':')) fail('colon in a processing instruction target');
    const end = this.src.indexOf('?>', this.pos);
    if (end < 0) fail('processing instruction not closed');
    if (end > this.pos) {
      REQUIRED_SPACE.lastIndex = this.pos;
      if (!REQUIRED_SPACE.test(this.src)) fail('space expected after the target');
    }
    this.pos = end + 2;
  }

  /** Character data up to the next `<`, references decoded. */
  private charData(stopAt: string): string {
    let out = '';
    let from = this.pos;
    // Searched once: a reference never contains the stop character, and
    // searching again per reference made many references quadratic.
    const stop = this.src.indexOf(stopAt, from);
    const end = stop < 0 ? this.src.length : stop;
    for (;;) {
      const amp = this.src.indexOf('&', from);
      if (amp < 0 || amp > end) {
        out += this.src.slice(from, end);
        this.pos = end;
        return out;
      }
      out += this.src.slice(from, amp) + this.reference(amp);
      from = REFERENCE.lastIndex;
    }
  }

  private reference(at: number): string {
    REFERENCE.lastIndex = at;
    const match = REFERENCE.exec(this.src) ?? fail('"&" that is not a predefined entity or character reference');
    if (match[1] !== undefined) return PREDEFINED[match[1]]!;
    const codePoint = match[2] !== undefined ? parseInt(match[2], 10) : parseInt(match[3]!, 16);
    if (codePoint > 0x10ffff) fail('character reference out of range');
    const char = String.fromCodePoint(codePoint);
    if (FORBIDDEN_CHAR.test(char)) fail('reference to a character XML forbids');
    return char;
  }

  private attributeValue(): string {
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") fail('attribute value must be quoted');
    const start = ++this.pos;
    const value = this.charData(quote!);
    if (this.pos >= this.src.length) fail('attribute value not closed');
    if (this.src.slice(start, this.pos).includes('<')) fail('"<" in an attribute value');
    this.pos++;
    return value;
  }

  /** Reads the start tag at `pos`, then the whole element. */
  private element(parentScope: Scope, depth: number): XmlElement {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    this.pos++; // '<'
    const qname = this.name();
    const attributes = new Map<string, string>();
    for (;;) {
      const before = this.pos;
      this.space();
      const c = this.src[this.pos];
      if (c === '>' || c === '/') break;
      if (this.pos === before) fail('space expected between attributes');
      const name = this.name();
      this.space();
      if (this.src[this.pos] !== '=') fail('"=" expected');
      this.pos++;
      this.space();
      if (attributes.has(name)) fail('attribute repeated');
      // A raw '<' in a quoted value is caught by attributeValue's own check.
      attributes.set(name, this.attributeValue());
    }

    let declared: Map<string, string> | undefined;
    for (const [name, value] of attributes) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        const prefix = name === 'xmlns' ? '' : name.slice(6);
        if (prefix !== '' && value === '') fail('a prefix cannot be undeclared');
        if (prefix === 'xmlns' || value === XMLNS_NAMESPACE || (prefix === 'xml') !== (value === XML_NAMESPACE)) fail('reserved namespace misused');
        (declared ??= new Map()).set(prefix, value);
      }
    }
    const scope: Scope = declared === undefined ? parentScope : { bindings: declared, parent: parentScope };
    // Two prefixes bound to one namespace name the same attribute (Namespaces 1.0, 6.3).
    let qualified: Set<string> | undefined;
    for (const name of attributes.keys()) {
      const { prefix, localName } = splitQName(name);
      if (prefix === '' || prefix === 'xmlns') continue;
      const expanded = `{${lookupNamespace(scope, prefix) ?? fail(`prefix "${prefix}" is not bound`)}}${localName}`;
      if (qualified?.has(expanded)) fail('attribute repeated under another prefix');
      (qualified ??= new Set()).add(expanded);
    }
    const { prefix, localName } = splitQName(qname);
    const namespace = lookupNamespace(scope, prefix) ?? fail(`prefix "${prefix}" is not bound`);
    const open: OpenElement = { qname, localName, namespace, scope, children: [], text: '' };

    if (this.src[this.pos] === '/') {
      if (this.src[this.pos + 1] !== '>') fail('"/>" expected');
      this.pos += 2;
    } else {
      this.pos++; // '>'
      this.content(open, depth);
    }
    return { localName: open.localName, namespace: open.namespace, children: open.children, text: open.text };
  }

  /** Everything between a start tag and its end tag, which it also reads. */
  private content(open: OpenElement, depth: number): void {
    const { src } = this;
    for (;;) {
      const start = this.pos;
      open.text += this.charData('<');
      if (src.slice(start, this.pos).includes(']]>')) fail('"]]>" in character data');
      if (this.pos >= src.length) fail(`<${open.qname}> is not closed`);
      if (src.startsWith('</', this.pos)) {
        this.pos += 2;
        if (this.name() !== open.qname) fail('end tag does not match its start tag');
        this.space();
        if (src[this.pos] !== '>') fail('">" expected');
        this.pos++;
        return;
      }
      if (src.startsWith('<!--', this.pos)) this.comment();
      else if (src.startsWith('<![CDATA[', this.pos)) {
        const end = src.indexOf(']]>', this.pos + 9);
        if (end < 0) fail('CDATA section not closed');
        open.text += src.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (src.startsWith('<?', this.pos)) this.processingInstruction();
      else if (src.startsWith('<!', this.pos)) fail('markup declarations (DTDs, entities) are refused');
      else open.children.push(this.element(open.scope, depth + 1));
    }
  }
}

/** Parses a whole document strictly; undefined when it is not well-formed, has a DTD, or nests too deeply. */
export function parseXmlDocument(text: string): XmlElement | undefined {
  if (FORBIDDEN_CHAR.test(text)) return undefined;
  try {
    // XML 1.0 section 2.11: every `\r\n` and lone `\r` reaches the application as `\n`.
    return new Reader(text.includes('\r') ? text.replace(LINE_END, '\n') : text).document();
  } catch (error) {
    if (error instanceof NotWellFormed) return undefined;
    throw error;
  }
}

import { describe, expect, it } from 'vitest';
import { parseXmlDocument, type XmlElement } from '../../lib/pox/xml-document';

// The strict reader on its own: lists of documents it must read, and of
// documents it must refuse (XML 1.0 + Namespaces well-formedness, no DTDs).

const shape = (e: XmlElement): unknown => ({ [`{${e.namespace}}${e.localName}`]: e.children.length ? e.children.map(shape) : e.text });

describe('well-formed documents are read', () => {
  it.each([
    ['minimal', '<a/>', { '{}a': '' }],
    ['declaration with encoding and standalone', `<?xml version="1.0" encoding='UTF-8' standalone="yes" ?><a>x</a>`, { '{}a': 'x' }],
    ['XML 1.1 declaration', '<?xml version="1.1"?><a/>', { '{}a': '' }],
    ['default namespace inherited', '<a xmlns="urn:x"><b>t</b></a>', { '{urn:x}a': [{ '{urn:x}b': 't' }] }],
    ['prefixes and redeclaration', '<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"/><c/></p:a>', { '{urn:1}a': [{ '{urn:2}b': '' }, { '{}c': '' }] }],
    ['default namespace undeclared', '<a xmlns="urn:x"><b xmlns=""/></a>', { '{urn:x}a': [{ '{}b': '' }] }],
    ['references decoded once', '<a>&lt;&gt;&amp;&quot;&apos;&#64;&#x40;&amp;#65;</a>', { '{}a': `<>&"'@@&#65;` }],
    [']]&gt; is fine', '<a>]]&gt;</a>', { '{}a': ']]>' }],
    ['CDATA kept literally', '<a><![CDATA[<b>&amp;]]></a>', { '{}a': '<b>&amp;' }],
    ['comments and PIs anywhere legal', '<!-- c --><?pi data?><a><!--x--><?p?>t</a><!-- end -->\n', { '{}a': 't' }],
    ['attributes with both quotes and escaped markup', `<a x='1' y="&lt;b&gt;" z = "'"/>`, { '{}a': '' }],
    ['end tag with trailing space', '<a>x</a >', { '{}a': 'x' }],
    ['non-ASCII names and text', '<änder>jörg</änder>', { '{}änder': 'jörg' }],
    ['astral character in text', '<a>\u{1F600}</a>', { '{}a': '\u{1F600}' }],
    ['a processing instruction whose target starts with xml, first', '<?xml-stylesheet href="s.xsl"?><a/>', { '{}a': '' }],
    ['one local name under two namespaces', '<a xmlns:p="urn:1" xmlns:q="urn:2" p:x="1" q:x="2"/>', { '{}a': '' }],
    ['character references with leading zeros', '<a>&#00000065;&#x0000041;</a>', { '{}a': 'AA' }],
    ['CRLF and lone CR read as LF', '<a>1\r\n2\r3\n</a>', { '{}a': '1\n2\n3\n' }],
    ['CR before a reference and in CDATA', '<a>\r&amp;<![CDATA[\r\n]]></a>', { '{}a': '\n&\n' }],
    ['a referenced CR is kept', '<a>&#13;&#x0D;\r</a>', { '{}a': '\r\r\n' }],
  ])('%s', (_label, text, expected) => {
    const root = parseXmlDocument(text);
    expect(root).toBeDefined();
    expect(shape(root!)).toEqual(expected);
  });
});

describe('anything not well-formed is refused', () => {
  it.each([
    ['empty', ''],
    ['text only', 'hello'],
    ['unclosed root', '<a><b></b>'],
    ['mismatched tags', '<a><b></a></b>'],
    ['two roots', '<a/><b/>'],
    ['text after the root', '<a/>x'],
    ['text before the root', 'x<a/>'],
    ['DOCTYPE', '<!DOCTYPE a><a/>'],
    ['internal entity', '<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'],
    ['undeclared entity', '<a>&e;</a>'],
    ['HTML entity', '<a>&nbsp;</a>'],
    ['bare ampersand', '<a>x & y</a>'],
    ['reference without semicolon', '<a>&#64</a>'],
    ['reference to NUL', '<a>&#0;</a>'],
    ['reference to a control character', '<a>&#x1;</a>'],
    ['reference beyond Unicode', '<a>&#x110000;</a>'],
    ['raw control character', '<a>\u0001</a>'],
    ['markup declaration inside content', '<a><!ELEMENT a ANY></a>'],
    [']]> in text', '<a>]]></a>'],
    ['unclosed CDATA', '<a><![CDATA[x</a>'],
    ['unclosed comment', '<a><!-- x</a>'],
    ['double hyphen in a comment', '<a><!-- x -- y --></a>'],
    ['XML declaration not first', ' <?xml version="1.0"?><a/>'],
    ['XML declaration after the root', '<a/><?xml version="1.0"?>'],
    ['malformed declaration', '<?xml encoding="utf-8"?><a/>'],
    ['declaration without a version', '<?xml?><a/>'],
    ['colon in a processing instruction target', '<?p:i data?><a/>'],
    ['prefix bound to the xmlns namespace', '<a xmlns:p="http://www.w3.org/2000/xmlns/"/>'],
    ['default namespace set to the xmlns namespace', '<a xmlns="http://www.w3.org/2000/xmlns/"/>'],
    ['one attribute twice under two prefixes', '<a xmlns:p="urn:x" xmlns:q="urn:x" p:b="1" q:b="2"/>'],
    ['unquoted attribute', '<a x=1/>'],
    ['attribute without value', '<a x/>'],
    ['repeated attribute', '<a x="1" x="2"/>'],
    ['no space between attributes', '<a x="1"y="2"/>'],
    ['< in an attribute value', '<a x="<"/>'],
    ['unclosed attribute value', '<a x="1/>'],
    ['unbound element prefix', '<p:a/>'],
    ['unbound attribute prefix', '<a p:x="1"/>'],
    ['prefix undeclared', '<a xmlns:p=""/>'],
    ['empty local name', '<p: xmlns:p="urn:x"/>'],
    ['a prefix that is not a name', '<a xmlns:-="u"/>'],
    ['an element local part that is not a name', '<p:-a xmlns:p="urn:x"/>'],
    ['an attribute local part that is not a name', '<a xmlns:p="u" p:1="v"/>'],
    ['a local part starting with a middle dot', '<xml:\u00B7/>'],
    ['a prefix starting with a digit', '<a xmlns:1p="u"/>'],
    ['name starting with a digit', '<1a/>'],
    ['space after <', '< a/>'],
    ['nested too deeply', `${'<a>'.repeat(17)}${'</a>'.repeat(17)}`],
  ])('%s', (_label, text) => {
    expect(parseXmlDocument(text)).toBeUndefined();
  });

  it('accepts nesting up to its limit', () => {
    expect(parseXmlDocument(`${'<a>'.repeat(16)}${'</a>'.repeat(16)}`)).toBeDefined();
  });

  it('refuses a billion-laughs document quickly and without expanding anything', () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><l>&j;</l>`;
    expect(parseXmlDocument(lol)).toBeUndefined();
  });

  it('reads a 16 KiB document of deep-but-legal structure in one linear pass', () => {
    const wide = `<a>${'<b>x</b>'.repeat(2000)}</a>`;
    expect(parseXmlDocument(wide)?.children).toHaveLength(2000);
  });
});

describe('time grows linearly with the document', () => {
  // Shapes found by differential fuzzing against libxml2; the first took
  // 34–41 ms at 16 KiB while the reader copied the namespace scope per element.
  const fill = (bytes: number, head: string, unit: string, tail: string) => head + unit.repeat(Math.floor((bytes - head.length - tail.length) / unit.length)) + tail;
  const SHAPES: ReadonlyArray<readonly [string, (bytes: number) => string]> = [
    ['many declarations, then many children that declare', (n) => {
      const declarations = Array.from({ length: Math.floor(n / 26) }, (_, i) => ` xmlns:p${i.toString(36)}="u"`).join('');
      return fill(n, `<a${declarations}>`, '<b xmlns=""/>', '</a>');
    }],
    ['many references in one text', (n) => fill(n, '<a>', '&amp;', '</a>')],
    ['many references in one attribute', (n) => fill(n, '<a x="', '&lt;', '"/>')],
    ['many prefixed children', (n) => fill(n, '<a xmlns:p="urn:x">', '<p:b/>', '</a>')],
    ['many attributes', (n) => `<a${Array.from({ length: Math.floor((n - 4) / 10) }, (_, i) => ` x${i.toString(36).padStart(4, '0')}="1"`).join('')}/>`],
    ['many comments', (n) => fill(n, '<a>', '<!---->', '</a>')],
    ['many line ends', (n) => fill(n, '<a>', '\r\n', '</a>')],
    ['nesting at the depth limit, repeated', (n) => fill(n, '<r>', `${'<a>'.repeat(15)}${'</a>'.repeat(15)}`, '</r>')],
  ];

  /** The fastest of several runs, in ms: what the work costs, without the pauses of a busy machine. */
  function bestMs(text: string): number {
    let best = Infinity;
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      parseXmlDocument(text);
      best = Math.min(best, performance.now() - start);
    }
    return best;
  }

  it.each(SHAPES)('%s: 16 KiB in a few ms, and 4× the size costs well under 16× the time', (_label, make) => {
    const small = make(4096);
    const large = make(16384);
    expect(large.length).toBeLessThanOrEqual(16384);
    expect(large.length).toBeGreaterThan(16000);
    expect(parseXmlDocument(large), 'a well-formed document, so the time is for reading it').toBeDefined();
    bestMs(small); // warm up the code paths
    const largeMs = bestMs(large);
    expect(largeMs).toBeLessThan(8);
    // Quadratic time would give about 16; a floor keeps timer noise out of tiny figures.
    expect(largeMs / Math.max(bestMs(small), 0.05)).toBeLessThan(10);
  });
});

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

import fc from 'fast-check';
import { MOBILESYNC_REQUEST_NS, MOBILESYNC_SCHEMA, OUTLOOK_REQUEST_NS, OUTLOOK_SCHEMA } from './fixtures';

// fast-check generators for XML-ish text built from the POX request grammar:
// the request's element names, namespaces and values, mixed with the pieces
// where readers disagree (odd names and prefixes, references, CDATA, comments,
// processing instructions, line ends, reserved namespaces). Most documents
// are nearly right, which is where a reader's mistakes hide.

const NAMES = ['Autodiscover', 'Request', 'EMailAddress', 'AcceptableResponseSchema', 'LegacyDN', 'a', 'b', 'ä', 'A.b-c_d', 'x\u0300', 'p:Request', 'q:EMailAddress', 'xml:lang'];
const ODD_NAMES = ['xmlns', 'xmlns:p', 'xmlns:q', 'xmlns:xml', 'xmlns:xmlns', 'p:-a', '-a', '1', 'p:1', 'xml:\u00B7', '\u00B7', 'a:b:c', ':a', 'a:', 'p:'];
const NAMESPACES = [
  OUTLOOK_REQUEST_NS, MOBILESYNC_REQUEST_NS, OUTLOOK_REQUEST_NS.replace('http:', 'https:'), '', 'u', 'urn:x',
  'http://www.w3.org/XML/1998/namespace', 'http://www.w3.org/2000/xmlns/',
];
const TEXTS = [
  'alice@example.com', 'jörg@bücher.example', OUTLOOK_SCHEMA, MOBILESYNC_SCHEMA, ' ', '\n', '\r\n', '\r', '\t',
  '&amp;', '&lt;', '&#64;', '&#x40;', '&#00000065;', '&#x0000041;', ']]', ']', '>', '"', "'", '<![CDATA[x<y]]>', '<!--c-->', '<!---->',
  '<?pi data?>', '<?pi?>', '\u{1F600}', 'é',
];
const ODD_TEXTS = [
  '&#0;', '&#x1;', '&#xD800;', '&#x110000;', '&#99999999999;', '&nbsp;', '&', '&#;', '&#x;', '<', ']]>', '<![CDATA[', '<!--a--b-->',
  '<?xml x?>', '<?p:i?>', '\u0001', '\uFFFE',
];

/** Mostly legal pieces, sometimes an odd one. */
const mostly = (usual: readonly string[], odd: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: fc.constantFrom(...usual), weight: 12 }, { arbitrary: fc.constantFrom(...odd), weight: 1 });

const name = mostly(NAMES, ODD_NAMES);
const text = fc.array(mostly(TEXTS, ODD_TEXTS), { maxLength: 3 }).map((parts) => parts.join(''));
const quote = fc.constantFrom('"', "'");

const attribute = fc.oneof(
  fc.tuple(mostly(['xmlns', 'xmlns:p', 'xmlns:q'], ['xmlns:xml', 'xmlns:-', 'xmlns:1', 'xmlns:xmlns']), fc.constantFrom(...NAMESPACES), quote),
  fc.tuple(name, text, quote),
).map(([key, value, q]) => ` ${key}=${q}${value}${q}`);

const startTag = fc.tuple(name, fc.array(attribute, { maxLength: 3 }), fc.constantFrom('', ' ', '\n'));

/** An element, sometimes with a mismatched end tag. */
const element: fc.Arbitrary<string> = fc.letrec<{ element: string }>((tie) => ({
  element: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    startTag.map(([n, attrs, space]) => `<${n}${attrs.join('')}${space}/>`),
    fc
      .tuple(startTag, fc.array(fc.oneof(text, tie('element')), { maxLength: 4 }), fc.option(name, { freq: 12 }))
      .map(([[n, attrs, space], content, otherEnd]) => `<${n}${attrs.join('')}${space}>${content.join('')}</${otherEnd ?? n}>`),
  ),
})).element;

const MISC = mostly(['', ' ', '\n', '\r\n', '<!--c-->', '<?pi x?>'], ['x', '<a/>', '&amp;']);
const DECLARATION = mostly(['', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-8"?>', "<?xml version='1.0' standalone='yes'?>", '<?xml version="1.0" ?>'], [' <?xml version="1.0"?>', '<?xml?>', '<?xml version="1.0" standalone="maybe"?>']);

/** A document: declaration, misc, one (usually) root element, misc. */
export const xmlishDocument: fc.Arbitrary<string> = fc
  .tuple(DECLARATION, MISC, element, MISC)
  .map(([declaration, before, root, after]) => `${declaration}${before}${root}${after}`);

/** A request in the grammar, with a valid skeleton more often than not. */
export const requestishDocument: fc.Arbitrary<string> = fc.oneof(
  xmlishDocument,
  fc
    .tuple(
      fc.constantFrom(...NAMESPACES),
      fc.array(mostly(['alice@example.com', 'Alice@Example.COM.', 'bob@example.org', ...TEXTS], ODD_TEXTS), { maxLength: 2 }),
      fc.constantFrom(OUTLOOK_SCHEMA, MOBILESYNC_SCHEMA, 'urn:other', ''),
      fc.array(fc.constantFrom('<LegacyDN>/o=x</LegacyDN>', '<EMailAddress>a@example.com</EMailAddress>', '<Request/>', '<!--c-->'), { maxLength: 2 }),
    )
    .map(
      ([ns, address, schema, extra]) =>
        `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="${ns}"><Request><EMailAddress>${address.join('') || 'alice@example.com'}</EMailAddress>${extra.join('')}<AcceptableResponseSchema>${schema}</AcceptableResponseSchema></Request></Autodiscover>`,
    ),
);

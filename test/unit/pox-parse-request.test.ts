import { describe, expect, it } from 'vitest';
import { parsePoxRequest } from '../../lib/pox/parse-request';
import {
  MOBILESYNC_REQUEST_NS,
  MOBILESYNC_SCHEMA,
  OUTLOOK_REQUEST_NS,
  OUTLOOK_SCHEMA,
  escapeText,
  requestBody,
  requestFixture,
  utf8,
} from '../support/fixtures';

// The README's POX table (errors 600 and 601) and its request decoding, checked on real request
// bodies and on hand-made variants.

function accepted(body: Uint8Array, contentType?: string) {
  const result = parsePoxRequest(body, contentType);
  if (!result.ok) throw new Error(`expected the request to be accepted, got ${result.errorCode}`);
  return result.request;
}

const errorCode = (body: Uint8Array | string, contentType?: string) => {
  const result = parsePoxRequest(typeof body === 'string' ? utf8(body) : body, contentType);
  return result.ok ? 'accepted' : result.errorCode;
};

describe('real request bodies are accepted', () => {
  it.each([
    ['thunderbird.xml', 'alice', 'outlook'],
    ['outlook.xml', 'alice', 'outlook'],
    ['ews-managed-api.xml', 'alice', 'outlook'],
    ['utf8-bom.xml', 'alice', 'outlook'],
    ['utf16le-bom.xml', 'jörg', 'outlook'],
    ['utf16be-bom.xml', 'jörg', 'outlook'],
    ['iso-8859-1.xml', 'jörg', 'outlook'],
    ['https-namespaces.xml', 'alice', 'outlook'],
    ['reversed-children.xml', 'alice', 'outlook'],
    ['no-namespace.xml', 'alice', 'outlook'],
    ['whitespace-padded.xml', 'alice', 'outlook'],
    ['mobilesync.xml', 'alice', 'mobileSync'],
  ])('%s → %s@example.com, schema %s', (fixture, localPart, schema) => {
    const request = accepted(requestFixture(fixture));
    expect(request.address.localPart).toBe(localPart);
    expect(request.address.domain).toBe('example.com');
    expect(request.address.address).toBe(`${localPart}@example.com`);
    expect(request.schema).toBe(schema);
  });
});

describe('hostile and broken bodies are Error 600, never expanded', () => {
  it.each([
    'xxe.xml',
    'billion-laughs.xml',
    'internal-entity.xml',
    'doctype-only.xml',
    'unclosed-tag.xml',
    'mismatched-tags.xml',
    'two-roots.xml',
    'undeclared-entity.xml',
    'not-xml.xml',
    'empty.xml',
    'invalid-utf8.xml',
    'unknown-encoding.xml',
  ])('%s → 600', (fixture) => {
    expect(errorCode(requestFixture(`hostile/${fixture}`))).toBe(600);
  });

  it('refuses a DTD even when no entity is used', () => {
    const body = requestBody('alice@example.com').replace('<Autodiscover', '<!DOCTYPE Autodiscover []><Autodiscover');
    expect(errorCode(body)).toBe(600);
  });

  it.each([
    ['stray text after the root', requestBody('alice@example.com') + 'trailing'],
    ['an element after the root', requestBody('alice@example.com') + '<Autodiscover/>'],
    ['a bare ampersand', requestBody('a&b@example.com')],
    ['an unbound prefix', requestBody('alice@example.com').replace('<Request>', '<x:Request>').replace('</Request>', '</x:Request>')],
    ['a duplicate attribute', requestBody('alice@example.com').replace('<Request>', '<Request a="1" a="2">')],
    ['a character reference to a forbidden character', requestBody('ali&#1;ce@example.com')],
    ['a raw forbidden character', requestBody('ali\u0001ce@example.com')],
    ['a reference beyond Unicode', requestBody('ali&#x110000;ce@example.com')],
    ['a nesting depth no request has', requestBody('alice@example.com').replace('<Request>', '<Request>' + '<x>'.repeat(200) + '</x>'.repeat(200))],
  ])('%s → 600', (_label, body) => {
    expect(errorCode(body)).toBe(600);
  });

  it('an XML declaration after the root → 600', () => {
    expect(errorCode(requestBody('alice@example.com') + '<?xml version="1.0"?>')).toBe(600);
  });

  it('a raw < in an attribute value → 600', () => {
    expect(errorCode(requestBody('alice@example.com').replace('<Request>', '<Request a="<">'))).toBe(600);
  });
});

describe('request structure (row 2)', () => {
  const schema = `<AcceptableResponseSchema>${OUTLOOK_SCHEMA}</AcceptableResponseSchema>`;
  const address = '<EMailAddress>alice@example.com</EMailAddress>';
  const doc = (inner: string, root = 'Autodiscover', ns = OUTLOOK_REQUEST_NS) => `<${root} xmlns="${ns}">${inner}</${root}>`;

  it.each([
    ['root not Autodiscover', doc(`<Request>${address}${schema}</Request>`, 'Discover')],
    ['a foreign namespace', doc(`<Request>${address}${schema}</Request>`, 'Autodiscover', 'urn:example:other')],
    ['the response namespace used for a request', doc(`<Request>${address}${schema}</Request>`, 'Autodiscover', 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006')],
    ['an ftp: form of the request namespace', doc(`<Request>${address}${schema}</Request>`, 'Autodiscover', OUTLOOK_REQUEST_NS.replace('http:', 'ftp:'))],
    ['no Request', doc(`${address}${schema}`)],
    ['two Requests', doc(`<Request>${address}${schema}</Request><Request>${address}${schema}</Request>`)],
    ['no EMailAddress', doc(`<Request>${schema}</Request>`)],
    ['a LegacyDN alone', doc(`<Request><LegacyDN>/o=Example/ou=First/cn=Recipients/cn=alice</LegacyDN>${schema}</Request>`)],
    ['two EMailAddress', doc(`<Request>${address}${address}${schema}</Request>`)],
    ['an empty EMailAddress', doc(`<Request><EMailAddress>  </EMailAddress>${schema}</Request>`)],
    ['an EMailAddress holding elements', doc(`<Request><EMailAddress><b>alice@example.com</b></EMailAddress>${schema}</Request>`)],
    ['an EMailAddress in a foreign namespace', doc(`<Request><EMailAddress xmlns="urn:other">alice@example.com</EMailAddress>${schema}</Request>`)],
    ['no AcceptableResponseSchema', doc(`<Request>${address}</Request>`)],
    ['an empty AcceptableResponseSchema', doc(`<Request>${address}<AcceptableResponseSchema> </AcceptableResponseSchema></Request>`)],
    ['an invalid address together with an unknown schema (row 2 wins over row 3)', doc(`<Request><EMailAddress>nobody</EMailAddress><AcceptableResponseSchema>urn:x</AcceptableResponseSchema></Request>`)],
  ])('%s → 600', (_label, body) => {
    expect(errorCode(body)).toBe(600);
  });

  it('uses EMailAddress and ignores a LegacyDN beside it', () => {
    const request = accepted(utf8(doc(`<Request><LegacyDN>/o=Example/cn=bob</LegacyDN>${address}${schema}</Request>`)));
    expect(request.address.address).toBe('alice@example.com');
  });

  it('accepts prefixed request elements bound to the request namespace', () => {
    const body = `<a:Autodiscover xmlns:a="${OUTLOOK_REQUEST_NS}"><a:Request><a:EMailAddress>alice@example.com</a:EMailAddress><a:AcceptableResponseSchema>${OUTLOOK_SCHEMA}</a:AcceptableResponseSchema></a:Request></a:Autodiscover>`;
    expect(accepted(utf8(body)).address.address).toBe('alice@example.com');
  });

  it('reads comments, processing instructions, CDATA and references inside values as XML defines them', () => {
    const body = doc(`<!-- c --><Request><?pi x?><EMailAddress><![CDATA[ali]]>c&#101;<!-- x -->&#x40;example.com</EMailAddress>${schema}</Request>`);
    expect(accepted(utf8(body)).address.address).toBe('alice@example.com');
  });

  it('accepts escaped markup in attribute values', () => {
    const body = requestBody('alice@example.com').replace('<Request>', '<Request note="&lt;&amp;&gt;&#60;">');
    expect(accepted(utf8(body)).address.address).toBe('alice@example.com');
  });

  it('accepts the MobileSync request namespace with https', () => {
    const body = requestBody('alice@example.com', { ns: MOBILESYNC_REQUEST_NS.replace('http:', 'https:'), schema: MOBILESYNC_SCHEMA });
    expect(accepted(utf8(body)).schema).toBe('mobileSync');
  });
});

describe('AcceptableResponseSchema (row 3)', () => {
  it.each([
    [OUTLOOK_SCHEMA, 'outlook'],
    [OUTLOOK_SCHEMA.replace('http:', 'https:'), 'outlook'],
    [MOBILESYNC_SCHEMA, 'mobileSync'],
    [MOBILESYNC_SCHEMA.replace('http:', 'https:'), 'mobileSync'],
  ])('%s → %s', (schema, expected) => {
    expect(accepted(utf8(requestBody('alice@example.com', { schema }))).schema).toBe(expected);
  });

  it.each([
    ['2006 without a', 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006'],
    ['the outer response namespace', 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006'],
    ['another URI', 'urn:example:schema'],
    ['upper-case path', OUTLOOK_SCHEMA.toUpperCase()],
    ['not a URI', 'outlook'],
  ])('%s → 601', (_label, schema) => {
    expect(errorCode(requestBody('alice@example.com', { schema }))).toBe(601);
  });
});

describe('decoding', () => {
  const body = (declaration: string, address: string) =>
    `${declaration}<Autodiscover xmlns="${OUTLOOK_REQUEST_NS}"><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>${OUTLOOK_SCHEMA}</AcceptableResponseSchema></Request></Autodiscover>`;

  it('uses the Content-Type charset when there is no BOM and no declared encoding', () => {
    const bytes = Buffer.from(body('', 'jörg@example.com'), 'latin1');
    expect(accepted(bytes, 'text/xml; charset=ISO-8859-1').address.localPart).toBe('jörg');
    expect(errorCode(bytes, 'text/xml; charset=utf-8')).toBe(600);
    expect(errorCode(bytes)).toBe(600);
  });

  it('lets the declaration win over the Content-Type charset', () => {
    const bytes = Buffer.from(body('<?xml version="1.0" encoding="windows-1252"?>', 'jörg@example.com'), 'latin1');
    expect(accepted(bytes, 'text/xml; charset=utf-8').address.localPart).toBe('jörg');
  });

  it('lets a BOM win over the declaration', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body('<?xml version="1.0" encoding="ISO-8859-1"?>', 'jörg@example.com'), 'utf8')]);
    expect(accepted(bytes).address.localPart).toBe('jörg');
  });

  it('reads UTF-16 without a BOM from its declaration signature', () => {
    const bytes = Buffer.from(body('<?xml version="1.0" encoding="UTF-16"?>', 'jörg@example.com'), 'utf16le');
    expect(accepted(bytes).address.localPart).toBe('jörg');
  });

  it.each(['US-ASCII', 'us-ascii', 'ASCII', 'ANSI_X3.4-1968', 'csASCII'])('refuses bytes above 0x7F under an ASCII declaration (%s)', (label) => {
    // The WHATWG table maps several ASCII labels to windows-1252, which would read UTF-8 bytes as mojibake.
    const declaration = `<?xml version="1.0" encoding="${label}"?>`;
    expect(errorCode(utf8(body(declaration, 'jörg@example.com')))).toBe(600);
    expect(errorCode(Buffer.from(body('', 'jörg@example.com'), 'latin1'), `text/xml; charset=${label}`)).toBe(600);
    expect(accepted(utf8(body(declaration, 'alice@example.com'))).address.localPart).toBe('alice');
  });

  it('refuses truncated UTF-16 rather than inventing a replacement character', () => {
    const full = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body('', 'alice@example.com'), 'utf16le')]);
    expect(errorCode(full.subarray(0, full.length - 1))).toBe(600);
  });
});

describe('addresses in requests', () => {
  it('trims, keeps the local part as sent and normalises the domain', () => {
    const request = accepted(utf8(requestBody(' \n Alice.Smith@Bücher.Example. \t')));
    expect(request.address).toEqual({
      localPart: 'Alice.Smith',
      domain: 'xn--bcher-kva.example',
      address: 'Alice.Smith@xn--bcher-kva.example',
      mailboxId: 'alice.smith@xn--bcher-kva.example',
    });
  });

  it('decodes escaped hostile characters in the local part and keeps them', () => {
    const request = accepted(utf8(requestBody(escapeText('a<b>&"\'@example.com'))));
    expect(request.address.localPart).toBe('a<b>&"\'');
  });

  it.each([
    ['no @', 'alice.example.com'],
    ['two @', 'a@b@example.com'],
    ['local part of 65 octets', `${'a'.repeat(65)}@example.com`],
    ['a control character', 'ali&#x7f;ce@example.com'],
    ['a C1 control', 'ali\u0085ce@example.com'],
    ['a space in the domain', 'alice@exa mple.com'],
    ['a port in the domain', 'alice@example.com:25'],
  ])('%s → 600', (_label, address) => {
    expect(errorCode(requestBody(address))).toBe(600);
  });
});

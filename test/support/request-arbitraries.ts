import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OUTLOOK_REQUEST_NS, OUTLOOK_SCHEMA, MOBILESYNC_SCHEMA, requestFixture, utf8 } from './fixtures';
import type { EventShape, TestRequest } from './lambda-events';
import { EVENT_SHAPES } from './lambda-events';
import { ANSWER_KIND_DOMAINS } from './test-responder';
import { requestishDocument } from './xml-arbitraries';

// Whole HTTP requests for property tests: random bytes, XML from the request
// grammar, and mutations of the real request fixtures (byte flips,
// truncation, duplicated or reordered elements, re-encodings), sent with odd
// methods, paths, query strings and headers. Every request also carries
// MARKER in places an answer must never repeat (headers, query, body).

export const MARKER = 'Zq7mArKeR';

const FIXTURES = readdirSync(fileURLToPath(new URL('../fixtures/requests/', import.meta.url))).filter((name) => name.endsWith('.xml') && name !== 'oversized.xml');

const LOCAL_PARTS = ['alice', 'Alice', 'bob', 'carol.x+tag', 'jörg', '"quoted local"', 'a'.repeat(64), 'a'.repeat(65), `x${MARKER}`];
const ADDRESSES = fc.oneof(
  fc.tuple(fc.constantFrom(...LOCAL_PARTS), fc.constantFrom(...ANSWER_KIND_DOMAINS)).map(([local, domain]) => `${local}@${domain}`),
  fc.constantFrom('', '@', 'alice', 'alice@', '@example.com', 'a@b@example.com', `alice@${'d'.repeat(250)}.com`, 'alice@exa mple.com', 'alice@-x.example', ' alice@example.com '),
);

const latin1 = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const utf16 = (text: string, endian: 'le' | 'be', bom: boolean) => {
  const le = Buffer.from(`${bom ? '\uFEFF' : ''}${text}`, 'utf16le');
  return new Uint8Array(endian === 'le' ? le : le.swap16());
};

/** Text-level edits of a request document. */
const TEXT_EDITS: ReadonlyArray<(text: string, address: string) => string> = [
  (t, a) => t.replace(/(<EMailAddress>)[^<]*(<\/EMailAddress>)/, `$1${a}$2`),
  (t) => t.replace(/<EMailAddress>[^<]*<\/EMailAddress>/, (m) => m + m),
  (t) => t.replace(/<Request>[\s\S]*<\/Request>/, (m) => m + m),
  (t) => t.replace(/(<EMailAddress>[^<]*<\/EMailAddress>)([\s\S]*?)(<AcceptableResponseSchema>[^<]*<\/AcceptableResponseSchema>)/, '$3$2$1'),
  (t) => t.replace(/<EMailAddress>[^<]*<\/EMailAddress>/, `<LegacyDN>/o=${MARKER}</LegacyDN>`),
  (t) => t.replace(OUTLOOK_SCHEMA, MOBILESYNC_SCHEMA),
  (t) => t.replace(OUTLOOK_SCHEMA, `urn:${MARKER}`),
  (t) => t.replace(/encoding="[^"]*"/, 'encoding="US-ASCII"'),
  (t) => t.replace(/encoding="[^"]*"/, 'encoding="x-no-such-charset"'),
  (t) => t.replace(/<Request>/, `<Request><!-- ${MARKER} --><Unknown a="${MARKER}">${MARKER}</Unknown>`),
  (t) => t.replace(/<\?xml[^>]*\?>/, `<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>`),
  (t) => t.replace(OUTLOOK_REQUEST_NS, 'urn:other'),
];

/** Byte-level edits: the bytes a proxy, a bug or an attacker could deliver. */
const byteEdit = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, value]) => (bytes: Uint8Array) => {
    const copy = bytes.slice();
    if (copy.length > 0) copy[at % copy.length] = value;
    return copy;
  }),
  fc.nat().map((at) => (bytes: Uint8Array) => bytes.subarray(0, bytes.length === 0 ? 0 : at % bytes.length)),
  fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 8 })).map(([at, inserted]) => (bytes: Uint8Array) => {
    const cut = bytes.length === 0 ? 0 : at % bytes.length;
    return Uint8Array.from([...bytes.subarray(0, cut), ...inserted, ...bytes.subarray(cut)]);
  }),
);

const encodings = fc.constantFrom<(text: string) => Uint8Array>(
  utf8,
  (t) => latin1(t.replace(/encoding="[^"]*"/, 'encoding="ISO-8859-1"')),
  (t) => utf16(t.replace(/encoding="[^"]*"/, 'encoding="UTF-16"'), 'le', false),
  (t) => utf16(t, 'be', true),
  (t) => utf16(t, 'le', false),
);

const UTF8_FIXTURES = FIXTURES.filter((name) => !/^(utf16|iso-8859)/.test(name));

/** A UTF-8 fixture edited as text, re-encoded, perhaps edited as bytes; or any fixture edited as bytes. */
const mutatedFixture: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...UTF8_FIXTURES), fc.array(fc.constantFrom(...TEXT_EDITS), { maxLength: 2 }), ADDRESSES, encodings, fc.option(byteEdit, { freq: 3 }))
    .map(([name, edits, address, encode, bytes]) => {
      const encoded = encode(edits.reduce((t, edit) => edit(t, address), new TextDecoder().decode(requestFixture(name))));
      return bytes ? bytes(encoded) : encoded;
    }),
  fc.tuple(fc.constantFrom(...FIXTURES), byteEdit).map(([name, edit]) => edit(requestFixture(name))),
);

export const requestBodyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: mutatedFixture, weight: 4 },
  { arbitrary: requestishDocument.map(utf8), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
);

const METHODS = fc.oneof(
  { arbitrary: fc.constantFrom('POST', 'GET'), weight: 6 },
  { arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'post', 'Get', 'BREW'), weight: 1 },
);

const capitalised = (path: string) => fc.array(fc.boolean(), { minLength: path.length, maxLength: path.length }).map((upper) => [...path].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));

/** The other client formats' paths (GET routes), and the JSON route's path form with an address in it. */
const FORMAT_PATHS = fc.oneof(
  fc.constantFrom('/mail/config-v1.1.xml', '/.well-known/autoconfig/mail/config-v1.1.xml', '/.well-known/mail-v1.xml', '/autodiscover/autodiscover.json', '/apple/mobileconfig').chain(capitalised),
  ADDRESSES.map((address) => `/autodiscover/autodiscover.json/v1.0/${encodeURIComponent(address)}`),
  fc.constantFrom('/autodiscover/autodiscover.json/v2.0/x', '/autodiscover/autodiscover.json/v1.0/', '/autodiscover/autodiscover.json/v1.0/a%40b%2F..%2F..', '/apple/mobileconfig/', '/mail/config-v1.1.xml/../x'),
);

const PATHS = fc.oneof(
  { arbitrary: capitalised('/autodiscover/autodiscover.xml'), weight: 6 },
  { arbitrary: FORMAT_PATHS, weight: 4 },
  {
    arbitrary: fc.constantFrom(
      '/', '', '/autodiscover/autodiscover.xml/', '/autodiscover//autodiscover.xml', '/autodiscover/../autodiscover/autodiscover.xml',
      '/autodiscover%2Fautodiscover.xml', '/autodiscover/autodiscover%2Exml', '/%2e%2e/%2e%2e/etc/passwd', '/..%252f..%252fetc/passwd',
      '/autodiscover/autodiscover.xml%00', '/autodiscover/autodiscover.xml;x', `/${MARKER}`, `/${'a'.repeat(3000)}`,
    ),
    weight: 1,
  },
);

const QUERY_FLOOD = `?${Array.from({ length: 1000 }, (_, i) => `p${i}=${MARKER}`).join('&')}`;
/** Query parameters the other formats read, in odd spellings, with generated addresses and protocol names. */
const FORMAT_QUERIES = fc
  .tuple(
    fc.constantFrom('emailaddress', 'EmailAddress', 'email', 'Email', 'EMAIL'),
    ADDRESSES,
    fc.option(fc.constantFrom('AutodiscoverV1', 'autodiscoverv1', 'ActiveSync', 'Ews', 'Rest', 'AutodiscoverV2', `x${MARKER}`, ''), { freq: 3 }),
    fc.option(fc.constantFrom('0', '1', '-1', `x${MARKER}`), { freq: 1 }),
    fc.boolean(),
  )
  .map(([name, address, protocol, redirects, twice]) => {
    const params = [`${name}=${encodeURIComponent(address)}`];
    if (twice) params.push(`${name}=${encodeURIComponent(`other${MARKER}@example.com`)}`);
    if (protocol !== null) params.push(`Protocol=${protocol}`);
    if (redirects !== null) params.push(`RedirectCount=${redirects}`);
    return `?${params.join('&')}`;
  });

const QUERIES = fc.oneof(
  { arbitrary: fc.constantFrom('', `?x=${MARKER}`, '?emailaddress=alice@example.com&emailaddress=bob@example.com', '?%zz=%', '?a=%E0%80%80', '?&&&=', `?emailaddress=${encodeURIComponent(`"${MARKER}"@example.com`)}`), weight: 20 },
  { arbitrary: FORMAT_QUERIES, weight: 10 },
  { arbitrary: fc.constant(QUERY_FLOOD), weight: 1 },
);

const HOSTS = fc.constantFrom(
  'autodiscover.example.com', 'autoconfig.example.com', 'autoconfig.example.org:8443', 'AUTOCONFIG.alias.example', 'AUTODISCOVER.EXAMPLE.COM:443', 'example.org', 'autodiscover.alias.example', 'autodiscover.xn--bcher-kva.example',
  'autodiscover.bücher.example', 'autodiscover.redirect.example', 'autodiscover.empty.example', 'autodiscover.broken.example', 'autodiscover.off.example',
  'autodiscover.', '', 'a'.repeat(300), '[::1]:80', '127.0.0.1', 'autodiscover.autodiscover.example.com', `${MARKER}.example`, 'example.com.', 'example.com:99999',
);

const CONTENT_TYPES = fc.constantFrom('text/xml; charset=utf-8', 'text/xml', 'application/xml; charset=ISO-8859-1', 'text/xml; charset=us-ascii', 'text/xml; charset=bogus', 'multipart/form-data; boundary=x', '');

export interface GeneratedRequest {
  readonly shape: EventShape;
  readonly request: TestRequest;
}

export const httpRequest: fc.Arbitrary<GeneratedRequest> = fc
  .record({
    shape: fc.constantFrom(...EVENT_SHAPES),
    method: METHODS,
    path: PATHS,
    query: QUERIES,
    host: HOSTS,
    contentType: CONTENT_TYPES,
    body: fc.option(requestBodyBytes, { freq: 6 }),
    base64: fc.boolean(),
  })
  .map(({ shape, method, path, query, host, contentType, body, base64 }) => ({
    shape,
    request: {
      method,
      path: `${path}${query}`,
      headers: {
        Host: host,
        'Content-Type': contentType,
        Authorization: `Basic ${MARKER}`,
        Cookie: `session=${MARKER}`,
        'X-Forwarded-For': `${MARKER}, 192.0.2.1`,
      },
      // A text body travels as text or base64; a binary one always as base64.
      ...(body === null ? {} : { body: !base64 && body.every((byte) => byte < 0x80) ? Buffer.from(body).toString('latin1') : body }),
      base64,
    },
  }));

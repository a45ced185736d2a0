import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePoxRequest } from '../../lib/pox/parse-request';
import { OUTLOOK_SCHEMA, escapeText, requestBody, utf8 } from '../support/fixtures';
import { propertyParameters, propertyRuns } from '../support/property';
import { requestBodyBytes } from '../support/request-arbitraries';

// Properties of the request parser alone, on random bytes, XML from the
// request grammar and mutated fixtures: it never throws, answers only
// accepted / 600 / 601, and what it accepts is stable: the same address when
// the request is written again, and whatever the encoding it travels in.

const CONTENT_TYPES = [undefined, 'text/xml; charset=utf-8', 'text/xml; charset=ISO-8859-1', 'text/xml; charset=us-ascii', 'text/xml; charset=utf-16', 'text/xml; charset=nope'];

describe('parsePoxRequest on generated bodies', () => {
  const runs = propertyRuns(3000);
  it(`never throws; accepts a normalised address or answers 600 / 601 (${runs} bodies)`, () => {
    fc.assert(
      fc.property(requestBodyBytes, fc.constantFrom(...CONTENT_TYPES), (body, contentType) => {
        const result = parsePoxRequest(body, contentType);
        if (!result.ok) {
          expect([600, 601]).toContain(result.errorCode);
          return;
        }
        const { address, schema } = result.request;
        expect(['outlook', 'mobileSync']).toContain(schema);
        expect(address.domain, 'domain normalised').toBe(address.domain.toLowerCase());
        expect(address.domain.endsWith('.')).toBe(false);
        // Written again as a plain UTF-8 request, and as UTF-16 with a BOM, it reads the same.
        const again = requestBody(escapeText(`${address.localPart}@${address.domain}`));
        const reread = parsePoxRequest(utf8(again));
        expect(reread.ok && reread.request.address).toEqual(address);
        const utf16 = parsePoxRequest(new Uint8Array(Buffer.from(`\uFEFF${again}`, 'utf16le')));
        expect(utf16.ok && utf16.request.address).toEqual(address);
      }),
      propertyParameters(runs),
    );
  });

  it('a well-formed request naming any other schema URI is 601, never 600', () => {
    fc.assert(
      fc.property(fc.webUrl(), (schema) => {
        const result = parsePoxRequest(utf8(requestBody('alice@example.com', { schema: escapeText(schema) })));
        expect(result.ok || result.errorCode).toBe(schema === OUTLOOK_SCHEMA ? true : 601);
      }),
      propertyParameters(propertyRuns(300)),
    );
  });
});

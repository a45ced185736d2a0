import fc from 'fast-check';
import { validateXML } from 'xmllint-wasm';
import { describe, expect, it } from 'vitest';
import { parseXmlDocument } from '../../lib/pox/xml-document';
import { propertyParameters, propertyRuns } from '../support/property';
import { xmlishDocument, requestishDocument } from '../support/xml-arbitraries';

// Differential test of the strict reader against libxml2 (xmllint as
// WebAssembly): on XML-ish text from the request grammar, both must agree on
// what is namespace-well-formed. libxml2 reports namespace errors itself
// ("namespace error"), so its verdict is "no error line"; its warnings (a
// relative namespace URI) do not make a document ill-formed. The generator
// stays inside what both are meant to read the same way: no DTDs (we refuse
// every one, libxml2 reads them), depth far below our limit of 16, XML 1.0
// only, UTF-8 only (xmllint reads the text as UTF-8 bytes).
//
// One deliberate difference: libxml2 refuses a namespace name that is not a
// syntactic URI (`xmlns="a b"`); the reader does not parse URIs, because a
// namespace name only ever counts when it equals one of the fixed request
// namespaces, which no such name does. That error is left out of the verdict.

const BATCH = 50;

/** libxml2's verdict per document: true when it reports no error. */
async function libxml2Accepts(documents: readonly string[]): Promise<boolean[]> {
  // No schema: xmllint only reads each document and reports what is not well-formed.
  const result = await validateXML({ xml: documents.map((contents, i) => ({ fileName: `d${i}.xml`, contents })), schema: [] });
  const refused = new Set<number>();
  for (const line of result.rawOutput.split('\n')) {
    const match = /^d(\d+)\.xml:\d+: [^:]*error : /.exec(line);
    if (match && !/ is not a valid URI$/.test(line)) refused.add(Number(match[1]));
  }
  return documents.map((_, i) => !refused.has(i));
}

async function expectAgreement(documents: readonly string[]): Promise<void> {
  const theirs = await libxml2Accepts(documents);
  const disagreements = documents
    .map((document, i) => ({ document, ours: parseXmlDocument(document) !== undefined, libxml2: theirs[i] }))
    .filter((d) => d.ours !== d.libxml2);
  expect(disagreements).toEqual([]);
}

describe('the strict reader agrees with libxml2 on well-formedness', () => {
  it('the comparison can fail: libxml2 refuses what it must, accepts what it must', async () => {
    expect(await libxml2Accepts(['<a/>', '<a>', '<p:a/>', '<a xmlns:-="u"/>', '<a>&#00065;</a>', '<a xmlns="u"/>'])).toEqual([true, false, false, false, true, true]);
  });

  it('on the documents the reader was fixed for', async () => {
    await expectAgreement(['<a xmlns:-="u"/>', '<p:-a xmlns:p="urn:x"/>', '<a xmlns:p="u" p:1="v"/>', '<xml:\u00B7/>', '<a>&#00000065;&#x0000041;</a>', '<a>\r\n\r</a>']);
  });

  // Each case is a batch of documents: one xmllint call per batch keeps this fast.
  const runs = Math.max(1, Math.ceil(propertyRuns(600) / BATCH));

  it(`on random XML-ish documents (${runs * BATCH} documents)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(xmlishDocument, requestishDocument), { minLength: BATCH, maxLength: BATCH }), expectAgreement),
      propertyParameters(runs),
    );
  }, 20_000 + runs * 500);
});

import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';
import { describe, expect, it } from 'vitest';
import { parseEmailAddress } from '../../lib/email-address';
import { compileMobileSyncSettings, renderPoxError } from '../../lib/pox/render';
import { decideHosted } from '../../lib/resolution/decision';
import { fillTemplate } from '../../lib/resolution/template';
import type { Tenant } from '../../lib/tenants/resolve';

// What Microsoft publishes a schema for ([MS-ASCMD] Appendix A), validated
// with libxml2 (xmllint compiled to WebAssembly): the framework error
// documents and the MobileSync settings answer. The Outlook 2006a answers
// have no published schema; pox-render.test.ts checks those element by element.

const XSD_DIR = new URL('../fixtures/xsd/', import.meta.url);
const xsd = (name: string) => ({ fileName: name, contents: readFileSync(new URL(name, XSD_DIR), 'utf8') });
const RESPONSE_XSD = xsd('ms-ascmd-AutodiscoverResponse.xsd');
const MOBILESYNC_XSD = xsd('ms-ascmd-AutodiscoverMobileSync.xsd');
const REQUEST_XSD = xsd('ms-ascmd-AutodiscoverRequest.xsd');

async function expectValid(document: string, schema: { fileName: string; contents: string }, preload = [MOBILESYNC_XSD]) {
  const result = await validateXML({ xml: [{ fileName: 'answer.xml', contents: document }], schema: [schema], preload });
  expect(result.errors.map((e) => e.rawMessage), document).toEqual([]);
  expect(result.valid).toBe(true);
}

const tenant: Tenant = {
  domain: 'example.com',
  settings: { id: 'example.com', protocols: [], activeSync: { url: 'https://eas.example.net/Microsoft-Server-ActiveSync?a=1&b=2' } },
  mailbox: { id: 'alice@example.com', displayName: 'Alice <Liddell> & Co' },
};

describe('answers against the published Autodiscover schemas', () => {
  it.each([600, 601, 603] as const)('framework error %i validates against AutodiscoverResponse.xsd', async (code) => {
    await expectValid(renderPoxError(code, new Date(Date.UTC(2026, 10, 27, 23, 59, 59, 999)), 0xffffffff), RESPONSE_XSD);
  });

  it('the MobileSync settings answer validates against AutodiscoverResponse.xsd + AutodiscoverMobileSync.xsd', async () => {
    const address = parseEmailAddress('Alice@Example.COM')!;
    await expectValid(fillTemplate(compileMobileSyncSettings(decideHosted(tenant), tenant.settings.activeSync!.url), address), RESPONSE_XSD);
  });

  it('a validator that cannot fail proves nothing: a broken answer is refused', async () => {
    const broken = renderPoxError(600, new Date(0), 1).replace('<ErrorCode>600</ErrorCode>', '<ErrorCode>six hundred</ErrorCode>');
    const result = await validateXML({ xml: [{ fileName: 'answer.xml', contents: broken }], schema: [RESPONSE_XSD], preload: [MOBILESYNC_XSD] });
    expect(result.valid).toBe(false);
  });

  it('the MobileSync request fixture is a valid MobileSync request', async () => {
    await expectValid(readFileSync(new URL('../fixtures/requests/mobilesync.xml', import.meta.url), 'utf8'), REQUEST_XSD, []);
  });
});

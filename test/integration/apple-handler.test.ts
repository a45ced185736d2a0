import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfileSigner, profileSignerFromEnv } from '../../lib/apple/signing';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import type { RawItem } from '../../lib/tenants/dynamodb';
import { TenantStoreError } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { EVENT_SHAPES, buildEvent, readResult, type EventShape, type TestRequest, type TestResult } from '../support/lambda-events';
import { UUID_V5, readProfile } from '../support/profile';
import { createTestIdentity, signedCertificates, verifyWithOpenssl, type TestIdentity } from '../support/signing-identity';
import { createTestTable } from '../support/tenant-table';

// GET /apple/mobileconfig through createResponder against dynalite: every
// answer of the route, the HTTP surface, the log lines, and signing.

const IMAP = { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' };
const POP3 = { type: 'POP3', server: 'pop.mail.example.net', port: 995, tls: 'implicit' };
const SMTP = { type: 'SMTP', server: 'smtp.mail.example.net', port: 587, tls: 'starttls' };

const ITEMS: RawItem[] = [
  { id: 'example.com', provider: { name: 'Example Mail' }, protocols: [IMAP, POP3, SMTP], calDav: { url: 'https://dav.example.net/cal/' } },
  { id: 'alice@example.com', displayName: 'Alice Liddell', username: 'alice' },
  { id: 'bob@example.com', redirectAddr: 'bob@new-provider.example' },
  { id: 'eve@example.com', displayname: 'typo' },
  { id: 'alias.example', aliasOf: 'example.com' },
  { id: 'redirect.example', protocols: [IMAP, SMTP], redirectUrl: 'https://autodiscover.other.example/autodiscover/autodiscover.xml' },
  { id: 'imaponly.example', protocols: [IMAP] },
  { id: 'empty.example', protocols: [] },
];

let handler: ReturnType<typeof createResponder>;
let lookup: Parameters<typeof createResponder>[0]['lookupTenant'];
const lines: RequestLogLine[] = [];
const SECRET = 'Basic YWxpY2VAZXhhbXBsZS5jb206c2VjcmV0';

beforeAll(async () => {
  const table = await createTestTable('apple-handler', ITEMS);
  lookup = (domain, mailboxId) => lookupTenant(table, domain, mailboxId);
  handler = createResponder({ lookupTenant: lookup, log: (line) => lines.push(line), responderId: 1 });
});

/** One request: the answer and its one log line, which never holds the address or the credentials. */
async function send(
  request: TestRequest,
  shape: EventShape = 'httpApiV2',
  target: ReturnType<typeof createResponder> = handler,
  sink: RequestLogLine[] = lines,
): Promise<TestResult & { log: RequestLogLine }> {
  const before = sink.length;
  const result = readResult(shape, await target(buildEvent(shape, { ...request, headers: { Authorization: SECRET, ...request.headers } })), { binary: true });
  const written = sink.slice(before);
  expect(written, 'one log line per request').toHaveLength(1);
  const text = JSON.stringify(written[0]);
  expect(text).not.toContain(SECRET.slice(6));
  for (const sent of new URLSearchParams(request.path.split('?')[1] ?? '').values()) {
    const localPart = sent.split('@')[0]!.toLowerCase();
    if (localPart !== '') expect(text.toLowerCase(), 'the local part never reaches the log').not.toContain(`${localPart}@`);
  }
  return { ...result, log: written[0]! };
}

const get = (query: string, shape?: EventShape) => send({ method: 'GET', path: `/apple/mobileconfig${query}` }, shape);

describe('profiles', () => {
  it.each(EVENT_SHAPES)('%s: a complete profile as a download named after the domain only', async (shape) => {
    const result = await get('?email=alice@example.com', shape);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/x-apple-aspen-config');
    expect(result.headers.get('content-disposition')).toBe('attachment; filename="example.com.mobileconfig"');
    expect(result.headers.get('cache-control')).toBe('no-store');
    const { top, payloads } = readProfile(result.body);
    expect(top).toMatchObject({ PayloadType: 'Configuration', PayloadVersion: 1, PayloadDisplayName: 'Example Mail' });
    expect(payloads.map((p) => [p.PayloadType, p.EmailAccountType ?? p.CalDAVHostName])).toEqual([
      ['com.apple.mail.managed', 'EmailTypeIMAP'],
      ['com.apple.mail.managed', 'EmailTypePOP'],
      ['com.apple.caldav.account', 'dav.example.net'],
    ]);
    // The mailbox item's username and display name.
    expect(payloads.slice(0, 2).map((p) => [p.EmailAddress, p.IncomingMailServerUsername, p.OutgoingMailServerUsername, p.EmailAccountName])).toEqual([
      ['alice@example.com', 'alice', 'alice', 'Alice Liddell'],
      ['alice@example.com', 'alice', 'alice', 'Alice Liddell'],
    ]);
    expect(result.log).toMatchObject({ route: 'apple', outcome: 'profile', status: 200, domain: 'example.com', level: 'info' });
    expect(result.log.localPartHash).toMatch(/^[0-9a-f]{12}$/);
  });

  it('emailaddress= works too, and the same mailbox twice is one address; identifiers do not change between requests', async () => {
    const a = readProfile((await get('?email=alice@example.com')).body);
    const b = readProfile((await get('?emailaddress=Alice@EXAMPLE.com')).body);
    const c = readProfile((await get('?email=alice@example.com&emailaddress=ALICE@example.com')).body);
    expect(b.top.PayloadUUID).toBe(a.top.PayloadUUID);
    expect(c.payloads.map((p) => p.PayloadUUID)).toEqual(a.payloads.map((p) => p.PayloadUUID));
    expect(a.top.PayloadUUID).toMatch(UUID_V5);
    const other = readProfile((await get('?email=carol@example.com')).body);
    expect(other.top.PayloadUUID).not.toBe(a.top.PayloadUUID);
    expect(other.payloads[0]!.IncomingMailServerUsername).toBe('carol@example.com');
  });

  it('an alias domain: its own name on the file, the target’s servers', async () => {
    const result = await get('?email=dave@alias.example');
    expect(result.headers.get('content-disposition')).toBe('attachment; filename="alias.example.mobileconfig"');
    expect(readProfile(result.body).payloads[0]).toMatchObject({ EmailAddress: 'dave@alias.example', IncomingMailServerHostName: 'imap.mail.example.net' });
  });
});

describe('no profile', () => {
  it.each([
    ['a missing address', '', 'missing'],
    ['an empty address', '?email=', 'invalid'],
    ['an invalid address', '?email=<script>@@example.com', 'invalid'],
    ['two different addresses', '?email=alice@example.com&emailaddress=bob@example.com', 'conflicting'],
    ['a valid and an invalid address', '?email=alice@example.com&email=nope', 'invalid'],
    ['another parameter name only', '?Email=alice@example.com', 'missing'],
  ])('%s → 400 with a short text that never echoes the input', async (_, query, kind) => {
    const result = await get(query);
    expect(result.status).toBe(400);
    expect(result.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(result.body.length).toBeLessThan(80);
    expect(result.body).not.toMatch(/@|script|alice|bob|nope/i);
    expect(result.body).toMatch({ missing: /required/, invalid: /not valid/, conflicting: /one e-mail address/ }[kind]!);
    expect(result.log).toMatchObject({ outcome: 'badRequest', status: 400 });
  });

  it.each([
    ['an unhosted domain', 'someone@unknown.example', 404, 'notHosted'],
    ['a mailbox redirect (redirectAddr)', 'bob@example.com', 404, 'redirectAddr'],
    ['a domain redirect (redirectUrl)', 'x@redirect.example', 404, 'redirectUrl'],
    ['IMAP without SMTP (Apple needs an outgoing server)', 'x@imaponly.example', 404, 'nothingToConfigure'],
    ['an empty protocol list', 'x@empty.example', 404, 'nothingToConfigure'],
    ['an invalid mailbox item', 'eve@example.com', 500, 'invalid'],
  ])('%s → %s with an empty body', async (_, who, status, outcome) => {
    const result = await get(`?email=${encodeURIComponent(who)}`);
    expect([result.status, result.body]).toEqual([status, '']);
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect(result.log).toMatchObject({ outcome, status });
  });

  it('an invalid item is logged with its problem (item and path, never the address)', async () => {
    const { log } = await get('?email=eve@example.com');
    expect(log.level).toBe('warn');
    expect(log.itemProblem).toMatchObject({ path: 'displayname' });
    expect(log.itemProblem!.item).toMatch(/^mailbox [0-9a-f]{12}@example\.com$/);
  });

  it('a store failure → 503 with an empty body', async () => {
    const sink: RequestLogLine[] = [];
    const failing = createResponder({
      lookupTenant: () => Promise.reject(new TenantStoreError('unreachable', new Error('ECONNREFUSED'))),
      log: (line) => sink.push(line),
      responderId: 1,
    });
    const result = await send({ method: 'GET', path: '/apple/mobileconfig?email=alice@example.com' }, 'httpApiV2', failing, sink);
    expect([result.status, result.body]).toEqual([503, '']);
    expect(result.log).toMatchObject({ outcome: 'storeFailure' });
  });
});

describe('methods', () => {
  it.each(EVENT_SHAPES)('%s: HEAD → the GET’s status and headers (Content-Length of its body), no body', async (shape) => {
    for (const query of ['?email=alice@example.com', '?email=nope', '?email=x@unknown.example']) {
      const got = await get(query, shape);
      const head = await send({ method: 'HEAD', path: `/apple/mobileconfig${query}` }, shape);
      expect(head.status).toBe(got.status);
      expect(head.body).toBe('');
      const { ['content-length']: length, ...headHeaders } = Object.fromEntries(head.headers);
      const { ['content-length']: _, ...getHeaders } = Object.fromEntries(got.headers);
      expect(headHeaders).toEqual(getHeaders);
      expect(Number(length)).toBe(got.bytes.length);
    }
  });

  it('OPTIONS → 204 with Allow; POST, PUT, DELETE → 405; the path matches case-insensitively', async () => {
    const options = await send({ method: 'OPTIONS', path: '/apple/mobileconfig' });
    expect(options.status).toBe(204);
    expect(new Set(options.headers.get('allow')!.split(/,\s*/))).toEqual(new Set(['GET', 'HEAD', 'OPTIONS']));
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await send({ method, path: '/apple/mobileconfig?email=alice@example.com' })).status).toBe(405);
    expect((await send({ method: 'GET', path: '/Apple/MobileConfig?email=alice@example.com' })).status).toBe(200);
  });
});

describe('signed profiles', () => {
  let identity: TestIdentity;
  beforeAll(async () => {
    identity = await createTestIdentity();
  }, 30_000);
  afterAll(() => identity?.remove());

  const signing = (env: Record<string, string>) => {
    const sink: RequestLogLine[] = [];
    const signed = createResponder({ lookupTenant: lookup, log: (line) => sink.push(line), responderId: 1, signProfile: profileSignerFromEnv(env) });
    return (query: string, method = 'GET') => send({ method, path: `/apple/mobileconfig${query}` }, 'httpApiV2', signed, sink);
  };

  it('from PEM files: CMS SignedData (DER, content attached) that OpenSSL verifies, holding the same profile', async () => {
    const request = signing({ PROFILE_SIGNING_CERTIFICATE_FILE: identity.certificateFile, PROFILE_SIGNING_KEY_FILE: identity.keyFile });
    const result = await request('?email=alice@example.com');
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/x-apple-aspen-config');
    expect(result.headers.get('content-disposition')).toBe('attachment; filename="example.com.mobileconfig"');
    expect(result.bytes[0]).toBe(0x30); // a DER SEQUENCE, not XML text
    const content = await verifyWithOpenssl(identity, result.bytes);
    const unsigned = await get('?email=alice@example.com');
    expect(content.toString('utf8')).toBe(unsigned.body);
    expect(readProfile(content.toString('utf8')).top).toEqual(readProfile(unsigned.body).top);
    expect(signedCertificates(result.bytes)).toEqual(['Profile Signing Test']);
    expect(result.log).toMatchObject({ outcome: 'signedProfile', level: 'info' });
    // HEAD counts the signed bytes.
    const head = await request('?email=alice@example.com', 'HEAD');
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(result.bytes.length - 200);
  }, 30_000);

  it('the certificate file may carry the chain after the signing certificate; every certificate is sent', async () => {
    const intermediate = await createTestIdentity('Test Intermediate');
    try {
      const { writeFile } = await import('node:fs/promises');
      const chainFile = `${identity.dir}/cert-and-chain.pem`;
      await writeFile(chainFile, identity.certificatePem + intermediate.certificatePem);
      const result = await signing({ PROFILE_SIGNING_CERTIFICATE_FILE: chainFile, PROFILE_SIGNING_KEY_FILE: identity.keyFile })('?email=alice@example.com');
      expect(signedCertificates(result.bytes)).toEqual(['Profile Signing Test', 'Test Intermediate']);
      await verifyWithOpenssl(identity, result.bytes);
    } finally {
      await intermediate.remove();
    }
  }, 30_000);

  it.each([
    ['a missing key file', () => ({ PROFILE_SIGNING_CERTIFICATE_FILE: identity.certificateFile, PROFILE_SIGNING_KEY_FILE: `${identity.dir}/absent.pem` }), /cannot read .*absent\.pem: ENOENT/],
    ['half a configuration', () => ({ PROFILE_SIGNING_CERTIFICATE_FILE: identity.certificateFile }), /PROFILE_SIGNING_CERTIFICATE_FILE is set without PROFILE_SIGNING_KEY_FILE/],
    ['a key that is not PEM', () => ({ PROFILE_SIGNING_CERTIFICATE_FILE: identity.certificateFile, PROFILE_SIGNING_KEY_FILE: identity.certificateFile }), /not an unencrypted PEM private key/],
    ['a certificate file without a certificate', () => ({ PROFILE_SIGNING_CERTIFICATE_FILE: identity.keyFile, PROFILE_SIGNING_KEY_FILE: identity.keyFile }), /holds no PEM certificate/],
  ])('a broken signer (%s) → 503, empty body, one error line with the reason and no key text', async (_, env, reason) => {
    const result = await signing(env())('?email=alice@example.com');
    expect([result.status, result.body]).toEqual([503, '']);
    expect(result.log).toMatchObject({ level: 'error', outcome: 'signingFailed', status: 503 });
    expect(result.log.error).toMatch(reason);
    expect(JSON.stringify(result.log)).not.toMatch(/BEGIN|PRIVATE/);
  }, 30_000);

  it('a key of another certificate is refused', async () => {
    const other = await createTestIdentity('Other');
    try {
      const result = await signing({ PROFILE_SIGNING_CERTIFICATE_FILE: identity.certificateFile, PROFILE_SIGNING_KEY_FILE: other.keyFile })('?email=alice@example.com');
      expect(result.status).toBe(503);
      expect(result.log.error).toMatch(/does not belong to the signing certificate/);
    } finally {
      await other.remove();
    }
  }, 30_000);

  it('reads its material once, and again after a failure', async () => {
    let reads = 0;
    let fail = true;
    const sign = createProfileSigner(async () => {
      reads++;
      if (fail) throw new Error('not yet');
      return { certificatePem: identity.certificatePem, keyPem: identity.keyPem };
    });
    await expect(sign(Buffer.from('x'))).rejects.toThrow('not yet');
    fail = false;
    const first = await sign(Buffer.from('<plist/>'));
    await sign(Buffer.from('<plist/>'));
    expect(reads).toBe(2);
    expect((await verifyWithOpenssl(identity, first)).toString()).toBe('<plist/>');
  }, 30_000);

  describe('from SSM parameters (the real SDK client against a loopback stand-in for SSM)', () => {
    let server: Server;
    const parameters = new Map<string, string>();
    const asked: Array<{ target: string | undefined; body: Record<string, unknown> }> = [];
    const savedEndpoint = process.env.AWS_ENDPOINT_URL_SSM;

    beforeAll(async () => {
      parameters.set('/autodiscover/signing/certificate', identity.certificatePem);
      parameters.set('/autodiscover/signing/key', identity.keyPem);
      // Just enough of SSM's JSON protocol: GetParameter by name, ParameterNotFound otherwise.
      server = createServer((request, response) => {
        let text = '';
        request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        request.on('end', () => {
          const body = JSON.parse(text) as { Name: string };
          asked.push({ target: request.headers['x-amz-target'] as string | undefined, body });
          const value = parameters.get(body.Name);
          response.setHeader('Content-Type', 'application/x-amz-json-1.1');
          if (value === undefined) {
            response.statusCode = 400;
            response.end(JSON.stringify({ __type: 'ParameterNotFound', message: 'not found' }));
          } else {
            response.end(JSON.stringify({ Parameter: { Name: body.Name, Type: 'SecureString', Value: value, Version: 1 } }));
          }
        });
      });
      await new Promise<void>((ready) => server.listen(0, '127.0.0.1', () => ready()));
      process.env.AWS_ENDPOINT_URL_SSM = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_SSM;
      else process.env.AWS_ENDPOINT_URL_SSM = savedEndpoint;
      await new Promise<void>((done) => server.close(() => done()));
    });

    it('reads both parameters with decryption, once, and signs', async () => {
      const request = signing({ PROFILE_SIGNING_CERTIFICATE_PARAMETER: '/autodiscover/signing/certificate', PROFILE_SIGNING_KEY_PARAMETER: '/autodiscover/signing/key' });
      const before = asked.length;
      const first = await request('?email=alice@example.com');
      await request('?email=alice@example.com');
      expect(first.status).toBe(200);
      expect(readProfile((await verifyWithOpenssl(identity, first.bytes)).toString('utf8')).top.PayloadDisplayName).toBe('Example Mail');
      // Both parameters, decrypted, read once for both requests (in either order: they are read together).
      expect(asked.slice(before).sort((a, b) => String(a.body.Name).localeCompare(String(b.body.Name)))).toEqual([
        { target: 'AmazonSSM.GetParameter', body: { Name: '/autodiscover/signing/certificate', WithDecryption: true } },
        { target: 'AmazonSSM.GetParameter', body: { Name: '/autodiscover/signing/key', WithDecryption: true } },
      ]);
    }, 30_000);

    it('a missing parameter → 503 and the SDK error name in the log line', async () => {
      const result = await signing({ PROFILE_SIGNING_CERTIFICATE_PARAMETER: '/autodiscover/signing/certificate', PROFILE_SIGNING_KEY_PARAMETER: '/absent' })('?email=alice@example.com');
      expect([result.status, result.body]).toEqual([503, '']);
      expect(result.log.error).toBe('SSM parameter /absent: ParameterNotFound');
    }, 30_000);
  });

  it('is off without configuration (empty values count as unset)', () => {
    expect(profileSignerFromEnv({})).toBeUndefined();
    expect(profileSignerFromEnv({ PROFILE_SIGNING_CERTIFICATE_PARAMETER: '', PROFILE_SIGNING_KEY_PARAMETER: '' })).toBeUndefined();
  });
});

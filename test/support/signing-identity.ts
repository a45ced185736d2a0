import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

// A throwaway signing identity for tests (a self-signed RSA certificate made
// here with node-forge), and verification of signed profiles by OpenSSL, an
// implementation independent of the one that signed.

export interface TestIdentity {
  readonly dir: string;
  readonly certificatePem: string;
  readonly keyPem: string;
  readonly certificateFile: string;
  readonly keyFile: string;
  readonly remove: () => Promise<void>;
}

export async function createTestIdentity(commonName = 'Profile Signing Test'): Promise<TestIdentity> {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', digitalSignature: true, keyCertSign: true }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const dir = await mkdtemp(join(tmpdir(), 'profile-signing-'));
  const certificatePem = forge.pki.certificateToPem(cert);
  const keyPem = forge.pki.privateKeyToPem(keys.privateKey);
  const certificateFile = join(dir, 'signing-cert.pem');
  const keyFile = join(dir, 'signing-key.pem');
  await writeFile(certificateFile, certificatePem);
  await writeFile(keyFile, keyPem);
  return { dir, certificatePem, keyPem, certificateFile, keyFile, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** `openssl cms -verify` against the identity as the only trust anchor; resolves with the signed content. */
export async function verifyWithOpenssl(identity: TestIdentity, der: Uint8Array): Promise<Buffer> {
  const input = join(identity.dir, `signed-${Math.random().toString(36).slice(2)}.der`);
  const output = `${input}.content`;
  await writeFile(input, der);
  await promisify(execFile)('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', input, '-CAfile', identity.certificateFile, '-purpose', 'any', '-out', output], {
    timeout: 10_000,
  });
  return readFile(output);
}

/** The certificates a CMS message carries, by subject common name. */
export function signedCertificates(der: Uint8Array): string[] {
  const message = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(Buffer.from(der).toString('binary'))) as forge.pkcs7.PkcsSignedData;
  return message.certificates.map((cert) => String(cert.subject.getField('CN').value));
}

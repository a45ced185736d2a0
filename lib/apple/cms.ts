import { createPrivateKey } from 'node:crypto';
import forge from 'node-forge/lib/forge';
import 'node-forge/lib/pkcs7';
import 'node-forge/lib/sha256';
import { ProfileSigningError, type SigningMaterial } from './signing-material';

// CMS SignedData (RFC 5652, PKCS#7) over a profile, DER-encoded with the
// content attached, as Apple devices verify it. Loaded only on the first
// signed request (lib/apple/signing.ts): node-forge stays out of a cold start.

export type SignContent = (content: Uint8Array) => Uint8Array;

const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function parseCertificates(pem: string): forge.pki.Certificate[] {
  const blocks = pem.match(CERTIFICATE_PEM) ?? [];
  if (blocks.length === 0) throw new ProfileSigningError('the signing certificate holds no PEM certificate');
  try {
    return blocks.map((block) => forge.pki.certificateFromPem(block));
  } catch {
    throw new ProfileSigningError('the signing certificate is not an RSA certificate forge can read');
  }
}

/** node:crypto reads every PEM key form (PKCS#1, PKCS#8); forge gets it as PKCS#1. */
function parseRsaKey(pem: string): forge.pki.rsa.PrivateKey {
  let key;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ProfileSigningError('the signing key is not an unencrypted PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new ProfileSigningError('the signing key is not an RSA key');
  const der = key.export({ type: 'pkcs1', format: 'der' });
  return forge.pki.privateKeyFromAsn1(forge.asn1.fromDer(der.toString('binary'))) as forge.pki.rsa.PrivateKey;
}

/** Checks the material once and returns a function that signs with it. */
export function prepareSigner(material: SigningMaterial): SignContent {
  const [certificate, ...chain] = parseCertificates(material.certificatePem);
  const key = parseRsaKey(material.keyPem);
  const publicKey = certificate!.publicKey as forge.pki.rsa.PublicKey;
  if (publicKey.n === undefined || publicKey.n.compareTo(key.n) !== 0) throw new ProfileSigningError('the signing key does not belong to the signing certificate');

  return (content) => {
    const signed = forge.pkcs7.createSignedData();
    signed.content = forge.util.createBuffer(Buffer.from(content).toString('binary'));
    for (const cert of [certificate!, ...chain]) signed.addCertificate(cert);
    signed.addSigner({
      key,
      certificate: certificate!,
      digestAlgorithm: forge.pki.oids.sha256!,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType!, value: forge.pki.oids.data },
        { type: forge.pki.oids.messageDigest! },
        { type: forge.pki.oids.signingTime! },
      ],
    });
    signed.sign();
    return Buffer.from(forge.asn1.toDer(signed.toAsn1()).getBytes(), 'binary');
  };
}

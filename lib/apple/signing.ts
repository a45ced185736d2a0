import { readFile } from 'node:fs/promises';
import type { SignContent } from './cms';
import { ProfileSigningError, isProfileSigningError, type SigningMaterial } from './signing-material';

// Optional signing of profiles with the operator's certificate and key (not
// the TLS key). Configured by environment: PEM files locally, SSM Parameter
// Store parameters in AWS. node-forge and the SSM client are loaded on the
// first signed request and the prepared signer is kept for the instance's
// life; a failure is not kept, so the next request tries again.

/** Signs a profile: CMS SignedData, DER, content attached. Rejects with the reason when it cannot. */
export type ProfileSigner = (profile: Uint8Array) => Promise<Uint8Array>;

type ReadMaterial = () => Promise<SigningMaterial>;

async function readPemFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ProfileSigningError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

interface MaterialSource {
  /** The environment variables naming the certificate and the key. */
  readonly certificate: string;
  readonly key: string;
  readonly read: (certificate: string, key: string) => Promise<SigningMaterial>;
}

/** The sources, by precedence; a source is used when both of its variables are set. */
export const SIGNING_SOURCES: readonly MaterialSource[] = [
  {
    certificate: 'PROFILE_SIGNING_CERTIFICATE_FILE',
    key: 'PROFILE_SIGNING_KEY_FILE',
    read: async (certificate, key) => ({ certificatePem: await readPemFile(certificate), keyPem: await readPemFile(key) }),
  },
  {
    certificate: 'PROFILE_SIGNING_CERTIFICATE_PARAMETER',
    key: 'PROFILE_SIGNING_KEY_PARAMETER',
    read: async (certificate, key) => (await import('./ssm-parameters')).readSsmMaterial(certificate, key),
  },
];

const failing = (reason: string): ReadMaterial => () => Promise.reject(new ProfileSigningError(reason));

/**
 * How to read the signing material, from the environment; undefined when
 * signing is not configured (profiles are sent unsigned). Half a pair is a
 * configuration that cannot work: every signed request then fails.
 */
export function signingMaterialFromEnv(env: Readonly<Record<string, string | undefined>>): ReadMaterial | undefined {
  for (const source of SIGNING_SOURCES) {
    const certificate = env[source.certificate] || undefined;
    const key = env[source.key] || undefined;
    if (certificate && key) return () => source.read(certificate, key);
    if (certificate) return failing(`${source.certificate} is set without ${source.key}`);
    if (key) return failing(`${source.key} is set without ${source.certificate}`);
  }
  return undefined;
}

/** A signer that reads its material and loads node-forge on first use. */
export function createProfileSigner(readMaterial: ReadMaterial): ProfileSigner {
  let prepared: Promise<SignContent> | undefined;
  const prepare = async () => {
    const [{ prepareSigner }, material] = await Promise.all([import('./cms'), readMaterial()]);
    return prepareSigner(material);
  };
  return async (profile) => {
    prepared ??= prepare().catch((error: unknown) => {
      prepared = undefined;
      throw error;
    });
    return (await prepared)(profile);
  };
}

/** The configured signer, or undefined when profiles go out unsigned. */
export function profileSignerFromEnv(env: Readonly<Record<string, string | undefined>>): ProfileSigner | undefined {
  const readMaterial = signingMaterialFromEnv(env);
  return readMaterial && createProfileSigner(readMaterial);
}

/** A reason for the log line: the signer's own words, or only the name of anything else. */
export const signingFailureReason = (error: unknown): string =>
  isProfileSigningError(error) ? error.message : `${error instanceof Error ? error.name : typeof error} while signing`;

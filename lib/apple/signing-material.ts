// What a profile signer is made of, shared by the lazily loaded parts
// (cms.ts, ssm-parameters.ts) and the signer that loads them (signing.ts).

/** The operator's signing certificate (then its chain, if any) and its private key, as PEM text. */
export interface SigningMaterial {
  readonly certificatePem: string;
  readonly keyPem: string;
}

/** A signer that cannot work, with a reason safe to log (it never quotes key or certificate text). */
export class ProfileSigningError extends Error {
  override readonly name = 'ProfileSigningError';
}

/**
 * Recognised by name: in the deployed bundle each lazily loaded file
 * carries its own copy of this class, so `instanceof` would miss theirs.
 */
export const isProfileSigningError = (error: unknown): error is ProfileSigningError => error instanceof Error && error.name === 'ProfileSigningError';

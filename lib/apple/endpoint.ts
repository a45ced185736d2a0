import { parseEmailAddress, type EmailAddress } from '../email-address';
import { contentResponse, emptyResponse } from '../http/responses';
import type { HttpRequest, HttpResponse, LogFields } from '../http/types';
import { andThen, resolveRequest, type TenantLookupFn } from '../resolution/resolve';
import { answerApple } from './answer';
import { signingFailureReason, type ProfileSigner } from './signing';
import { PROFILE_FILE_EXTENSION, PROFILE_MEDIA_TYPE } from './vocabulary';

// GET (and HEAD) /apple/mobileconfig?email=<address> (or emailaddress=):
// the profile as a download, signed when the operator configured a signer.

export interface AppleEndpointDeps {
  readonly lookupTenant: TenantLookupFn;
  /** Undefined: profiles go out unsigned. */
  readonly signProfile?: ProfileSigner;
}

/** Query parameters that carry the address (exact names, as clients and links send them). */
const ADDRESS_PARAMETERS = ['email', 'emailaddress'] as const;

/** Short fixed texts: a 400 never echoes what was sent. */
const BAD_REQUEST_TEXT = {
  missing: 'An e-mail address is required: ?email=<address>\n',
  invalid: 'The e-mail address is not valid.\n',
  conflicting: 'Give one e-mail address only.\n',
} as const;

type AddressResult = { readonly address: EmailAddress } | { readonly problem: keyof typeof BAD_REQUEST_TEXT };

/** Every value of both parameters must be a valid address, and all the same mailbox. */
function addressFromQuery(query: URLSearchParams): AddressResult {
  const values = ADDRESS_PARAMETERS.flatMap((name) => query.getAll(name));
  if (values.length === 0) return { problem: 'missing' };
  const addresses = values.map((value) => parseEmailAddress(value));
  if (addresses.some((address) => address === undefined)) return { problem: 'invalid' };
  const [first, ...others] = addresses as EmailAddress[];
  if (others.some((address) => address.mailboxId !== first!.mailboxId)) return { problem: 'conflicting' };
  return { address: first! };
}

const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** The download: only the domain names the file (never the local part). */
const profileResponse = (domain: string, body: string | Uint8Array): HttpResponse =>
  contentResponse(200, PROFILE_MEDIA_TYPE, body, { 'Content-Disposition': `attachment; filename="${domain}${PROFILE_FILE_EXTENSION}"` });

function signed(signProfile: ProfileSigner, domain: string, profile: string, log: LogFields): Promise<HttpResponse> {
  return signProfile(Buffer.from(profile, 'utf8')).then(
    (der) => profileResponse(domain, der),
    (error: unknown) => {
      log.outcome = 'signingFailed';
      log.error = signingFailureReason(error);
      return emptyResponse(503);
    },
  );
}

export function handleAppleProfile(deps: AppleEndpointDeps, request: HttpRequest, log: LogFields): HttpResponse | Promise<HttpResponse> {
  const parsed = addressFromQuery(request.query);
  if ('problem' in parsed) {
    log.outcome = 'badRequest';
    return contentResponse(400, TEXT_CONTENT_TYPE, BAD_REQUEST_TEXT[parsed.problem]);
  }
  const { address } = parsed;
  const response = andThen(resolveRequest(deps.lookupTenant, log, address.domain, address), (decision) => {
    const answer = answerApple(decision, address);
    log.outcome = answer.outcome;
    if (answer.body === '') return emptyResponse(answer.status);
    if (deps.signProfile === undefined) return profileResponse(address.domain, answer.body);
    log.outcome = 'signedProfile';
    return signed(deps.signProfile, address.domain, answer.body, log);
  });
  // A promise resolved with a promise settles with the inner one's value.
  return response as HttpResponse | Promise<HttpResponse>;
}

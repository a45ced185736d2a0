import { handleAppleProfile } from './apple/endpoint';
import type { ProfileSigner } from './apple/signing';
import { autodiscoverJsonRoute } from './autodiscover-json/endpoint';
import { autoconfigRoutes } from './autoconfig/endpoint';
import { createLambdaHandler, type LambdaHttpHandler } from './http/lambda-handler';
import { xmlResponse, NO_STORE } from './http/responses';
import { createRouter, type Route } from './http/router';
import type { LogSink } from './observability/request-log';
import type { ErrorRenderer } from './pox/answer';
import { handlePoxGet, handlePoxPost } from './pox/endpoint';
import { compilePoxError } from './pox/render';
import type { PoxErrorCode } from './pox/vocabulary';
import type { TenantLookupFn } from './resolution/resolve';

// The whole service as one function of its dependencies: the Lambda entry
// point, the local server and the tests all build it here.

export interface ResponderDeps {
  /** May fill its `report` argument (cache hit/miss/stale, DynamoDB calls and time) for the log line. */
  readonly lookupTenant: TenantLookupFn;
  readonly log: LogSink;
  /** `Error/@Id`: an unsigned 32-bit number naming this responder. */
  readonly responderId: number;
  readonly now?: () => Date;
  /** Signs Apple profiles; without it they go out unsigned. */
  readonly signProfile?: ProfileSigner;
}

/** FNV-1a: a stable 32-bit id from the responder's name, as Exchange derives it from its server name. */
export function responderIdFromName(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

export function createResponder(deps: ResponderDeps): LambdaHttpHandler {
  const now = deps.now ?? (() => new Date());
  // Error documents are written once per code; a request only adds the time.
  const errorDocuments = new Map<PoxErrorCode, (at: Date) => string>();
  const renderError: ErrorRenderer = (code) => {
    let document = errorDocuments.get(code);
    if (!document) errorDocuments.set(code, (document = compilePoxError(code, deps.responderId)));
    return document(now());
  };
  const pox = { lookupTenant: deps.lookupTenant, renderError };
  const apple = { lookupTenant: deps.lookupTenant, signProfile: deps.signProfile };

  const poxRoute: Route = {
    name: 'pox',
    methods: {
      POST: (request, log) => handlePoxPost(pox, request, log),
      GET: (request, log) => handlePoxGet(pox, request, log),
    },
  };

  // Every client format, by path (lower case; `/*` takes the paths below).
  const json = autodiscoverJsonRoute(deps.lookupTenant);
  const routes = new Map<string, Route>([
    ['/autodiscover/autodiscover.xml', poxRoute],
    ['/autodiscover/autodiscover.json', json],
    ['/autodiscover/autodiscover.json/*', json],
    ...autoconfigRoutes(deps),
    ['/apple/mobileconfig', { name: 'apple', methods: { GET: (request, log) => handleAppleProfile(apple, request, log) } }],
  ]);

  return createLambdaHandler({
    route: createRouter(routes),
    log: deps.log,
    failure: () => xmlResponse(503, renderError(603), NO_STORE),
  });
}

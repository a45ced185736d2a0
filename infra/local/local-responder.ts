import { createResponder, responderIdFromName } from '../../lib/responder';
import { TenantCache, cacheSettingsFromEnv } from '../../lib/tenants/cache';
import { createTenantTable } from '../../lib/tenants/dynamodb';
import { recordingLogSink } from './request-lines';

// The responder as functions/autodiscover.ts wires it for Lambda, with the
// local log sink: the server prints one readable line per request instead of EMF JSON.
export function createLocalResponder() {
  const { settings, problems } = cacheSettingsFromEnv(process.env);
  for (const problem of problems) process.stdout.write(`config: ${problem}\n`);
  const cache = new TenantCache(createTenantTable(), settings);
  return createResponder({
    lookupTenant: (domain, mailboxId, report) => cache.lookup(domain, mailboxId, report),
    log: recordingLogSink,
    responderId: responderIdFromName('autodiscover-local'),
  });
}

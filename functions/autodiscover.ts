import { profileSignerFromEnv } from '../lib/apple/signing';
import { pseudonymKeyProblem, stdoutLogSink } from '../lib/observability/request-log';
import { createResponder, responderIdFromName } from '../lib/responder';
import { TenantCache, cacheSettingsFromEnv } from '../lib/tenants/cache';
import { createTenantStore } from '../lib/tenants/dynamodb';
import { loadXmlWriterSoon } from '../lib/xml/builder';

// Lambda entry point: wiring only. Clients, configuration and the tenant
// cache are created once per instance and shared by every warm invocation
// (the DynamoDB client on the first read, see createTenantStore).
const { settings, problems } = cacheSettingsFromEnv(process.env);
const cache = new TenantCache(createTenantStore(), settings);
const log = stdoutLogSink();

export const handler = createResponder({
  lookupTenant: (domain, mailboxId, report) => {
    const found = cache.lookup(domain, mailboxId, report);
    // A pending lookup waits on DynamoDB: the first one is when the XML writer loads (lib/xml/builder.ts).
    if (found instanceof Promise) loadXmlWriterSoon();
    return found;
  },
  log,
  responderId: responderIdFromName(process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'autodiscover-responder'),
  signProfile: profileSignerFromEnv(process.env),
});

for (const problem of pseudonymKeyProblem ? [...problems, pseudonymKeyProblem] : problems) process.stdout.write(`${JSON.stringify({ level: 'warn', config: problem })}\n`);

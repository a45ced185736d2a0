import { stdoutLogSink } from '../lib/observability/request-log';
import { createResponder, responderIdFromName } from '../lib/responder';
import { createTenantTable } from '../lib/tenants/dynamodb';
import { lookupTenant } from '../lib/tenants/resolve';

// Lambda entry point: wiring only. Clients and configuration are created once
// per container and reused by every warm invocation.
const store = createTenantTable();

export const handler = createResponder({
  lookupTenant: (domain, mailboxId) => lookupTenant(store, domain, mailboxId),
  log: stdoutLogSink(),
  responderId: responderIdFromName(process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'autodiscover-responder'),
});

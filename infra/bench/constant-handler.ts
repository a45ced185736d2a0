import type { LambdaHttpEvent } from '../../lib/http/lambda-event';
import { adaptEvent } from '../../lib/http/lambda-event';
import { createLambdaHandler } from '../../lib/http/lambda-handler';
import { NO_STORE, xmlResponse } from '../../lib/http/responses';
import { stdoutLogSink } from '../../lib/observability/request-log';

// The benchmark's baseline: a handler that answers every request with the same
// document, through the same event adapter and outer layer (one log line per
// request) as the real one. Built into its own bundle with the production
// esbuild options, so both run with the same process shape.

const ANSWER = xmlResponse(
  200,
  '<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"/>',
  NO_STORE,
);

export const handler = createLambdaHandler({ route: async () => ANSWER, log: stdoutLogSink(), failure: () => ANSWER });

/** The bare adapter: event in, constant result out, no routing and no log line. */
export const adapterOnly = async (event: LambdaHttpEvent) => adaptEvent(event)!.toResult(ANSWER);

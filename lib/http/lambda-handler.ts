import { roundMs } from '../observability/metrics';
import type { RequestLogLine, LogSink } from '../observability/request-log';
import { adaptEvent, type LambdaHttpEvent, type LambdaHttpResult } from './lambda-event';
import { emptyResponse } from './responses';
import type { RouteMethod } from './router';
import type { HttpResponse, LogFields } from './types';

export type LambdaHttpHandler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;

export interface LambdaHandlerDeps {
  readonly route: RouteMethod;
  readonly log: LogSink;
  /** The answer to anything that throws: a 603 document, rendered without the request. */
  readonly failure: () => HttpResponse;
}

/** `TypeError at lib/pox/render.ts:42`: enough to find a bug, with no message text that might quote input. */
function describeError(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  // The first stack frame, named (`at f (path:1:2)`) or anonymous (`at path:1:2`).
  const frame = error instanceof Error ? /\n\s+at (?:[^\n(]*\()?([^()\s]+:\d+):\d+\)?/.exec(error.stack ?? '')?.[1] : undefined;
  return frame ? `${name} at ${frame.replace(/^.*\/(lib|functions)\//, '$1/')}` : name;
}

/** The failure answer, or an empty 503 when even that cannot be made (its XML writer failed to load). */
function failureAnswer(failure: () => HttpResponse): HttpResponse {
  try {
    return failure();
  } catch {
    return emptyResponse(503);
  }
}

/** The thin outer layer: adapt the event, route, answer, and write one log line. Nothing escapes it. */
export function createLambdaHandler(deps: LambdaHandlerDeps): LambdaHttpHandler {
  return async (event) => {
    const started = performance.now();
    const fields: LogFields = {};
    let adapted: ReturnType<typeof adaptEvent> = undefined;
    let response: HttpResponse;
    let level: RequestLogLine['level'] = 'info';
    try {
      adapted = adaptEvent(event);
      if (!adapted) throw new TypeError('unsupported event shape');
      response = await deps.route(adapted.request, fields);
      // A route that notes an error (a signer that cannot sign) answered, but someone must look.
      if (fields.error !== undefined) level = 'error';
      else if (fields.itemProblem) level = 'warn';
    } catch (error) {
      fields.error = describeError(error);
      fields.outcome = 'error';
      fields.errorCode = 603;
      level = 'error';
      response = failureAnswer(deps.failure);
    }
    try {
      deps.log({
        level,
        method: adapted?.request.method ?? 'unknown',
        status: response.status,
        latencyMs: roundMs(performance.now() - started),
        ...fields,
      });
    } catch {
      // A log sink that fails (a closed stdout) must not cost the client its answer.
    }
    if (adapted) return adapted.toResult(response);
    // Only the failure answer (text) can get here: the event was no HTTP event at all.
    return { statusCode: response.status, headers: { ...response.headers }, body: String(response.body), isBase64Encoded: false };
  };
}

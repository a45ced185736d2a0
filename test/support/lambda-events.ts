import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LambdaHttpEvent, LambdaHttpResult } from '../../lib/http/lambda-event';

// Builds the three event shapes AWS delivers to the handler (API Gateway HTTP
// API payload 2.0, REST payload 1.0, ALB with and without multi-value headers),
// and reads any result back into one shape.

export interface TestRequest {
  readonly method: string;
  /** Path, optionally with `?query`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Deliver the body base64-encoded (binary bodies always are). */
  readonly base64?: boolean;
}

export type EventShape = 'httpApiV2' | 'restV1' | 'alb' | 'albMultiValue';
export const EVENT_SHAPES: readonly EventShape[] = ['httpApiV2', 'restV1', 'alb', 'albMultiValue'];

function splitPath(path: string): { path: string; rawQuery: string } {
  const q = path.indexOf('?');
  return q < 0 ? { path, rawQuery: '' } : { path: path.slice(0, q), rawQuery: path.slice(q + 1) };
}

function encodeBody(request: TestRequest): { body: string | null; isBase64Encoded: boolean } {
  if (request.body === undefined) return { body: null, isBase64Encoded: false };
  if (typeof request.body !== 'string') return { body: Buffer.from(request.body).toString('base64'), isBase64Encoded: true };
  if (request.base64) return { body: Buffer.from(request.body, 'utf8').toString('base64'), isBase64Encoded: true };
  return { body: request.body, isBase64Encoded: false };
}

/** ALB hands parameters over as sent, still percent-encoded: name → every value, in order. */
function rawQueryValues(rawQuery: string): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const pair of rawQuery === '' ? [] : rawQuery.split('&')) {
    const [name = '', value = ''] = pair.split(/=(.*)/s);
    (values[name] ??= []).push(value);
  }
  return values;
}

function queryObject(rawQuery: string): Record<string, string> | null {
  if (rawQuery === '') return null;
  return Object.fromEntries(new URLSearchParams(rawQuery));
}

/** Every value of each parameter: decoded (API Gateway REST) or as sent (ALB passes them percent-encoded). */
/** API Gateway REST hands parameters over decoded: name → every value, in order. */
function multiValueQuery(rawQuery: string): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) (grouped[key] ??= []).push(value);
  return grouped;
}

export function buildEvent(shape: EventShape, request: TestRequest): LambdaHttpEvent {
  const { path, rawQuery } = splitPath(request.path);
  const headers = { ...(request.headers ?? {}) };
  const { body, isBase64Encoded } = encodeBody(request);
  switch (shape) {
    case 'httpApiV2': {
      const event: APIGatewayProxyEventV2 = {
        version: '2.0',
        routeKey: '$default',
        rawPath: path,
        rawQueryString: rawQuery,
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
        ...(rawQuery ? { queryStringParameters: queryObject(rawQuery)! } : {}),
        requestContext: {
          accountId: '123456789012',
          apiId: 'api',
          domainName: headers.Host ?? 'autodiscover.example.com',
          domainPrefix: 'autodiscover',
          http: { method: request.method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
          requestId: 'r',
          routeKey: '$default',
          stage: '$default',
          time: '27/Nov/2026:18:00:00 +0000',
          timeEpoch: 0,
        },
        isBase64Encoded,
        ...(body !== null ? { body } : {}),
      };
      return event;
    }
    case 'restV1': {
      const event: APIGatewayProxyEvent = {
        resource: '/{proxy+}',
        path,
        httpMethod: request.method,
        headers,
        multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        queryStringParameters: queryObject(rawQuery),
        multiValueQueryStringParameters: rawQuery ? multiValueQuery(rawQuery) : null,
        pathParameters: null,
        stageVariables: null,
        requestContext: {} as APIGatewayProxyEvent['requestContext'],
        body,
        isBase64Encoded,
      };
      return event;
    }
    case 'alb':
    case 'albMultiValue': {
      const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      const event: ALBEvent = {
        requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1' } },
        httpMethod: request.method,
        path,
        ...(shape === 'alb'
          ? { headers: lower, queryStringParameters: Object.fromEntries(Object.entries(rawQueryValues(rawQuery)).map(([k, v]) => [k, v[v.length - 1]!])) }
          : {
              multiValueHeaders: Object.fromEntries(Object.entries(lower).map(([k, v]) => [k, [v]])),
              multiValueQueryStringParameters: rawQueryValues(rawQuery),
            }),
        body,
        isBase64Encoded,
      };
      return event;
    }
  }
}

export interface TestResult {
  readonly status: number;
  /** Header names lower case. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  /** The body's bytes (base64 undone for a binary answer). */
  readonly bytes: Buffer;
}

/** Any of the three result shapes, read back uniformly (checking the shape fits the event). */
export function readResult(shape: EventShape, result: LambdaHttpResult, expect: { binary?: boolean } = {}): TestResult {
  const r = result as {
    statusCode: number;
    headers?: Record<string, string | number | boolean>;
    multiValueHeaders?: Record<string, Array<string | number | boolean>>;
    body?: string;
    isBase64Encoded?: boolean;
    statusDescription?: string;
  };
  if (shape === 'albMultiValue') {
    if (r.headers !== undefined) throw new Error('ALB multi-value target got single-value headers');
  } else if (r.multiValueHeaders !== undefined) {
    throw new Error('single-value event got multi-value headers');
  }
  if (shape === 'alb' || shape === 'albMultiValue') {
    if (!r.statusDescription?.startsWith(String(r.statusCode))) throw new Error(`bad statusDescription ${r.statusDescription}`);
  }
  if (r.isBase64Encoded && !expect.binary) throw new Error('answers are text');
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(r.headers ?? {})) headers.set(k.toLowerCase(), String(v));
  for (const [k, v] of Object.entries(r.multiValueHeaders ?? {})) headers.set(k.toLowerCase(), v.map(String).join(', '));
  const bytes = r.isBase64Encoded ? Buffer.from(r.body ?? '', 'base64') : Buffer.from(r.body ?? '', 'utf8');
  return { status: r.statusCode, headers, body: r.isBase64Encoded ? bytes.toString('utf8') : (r.body ?? ''), bytes };
}

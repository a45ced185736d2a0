import type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { STATUS_CODES } from 'node:http';
import type { HttpRequest, HttpResponse } from './types';

// Event adapters: API Gateway HTTP API (payload 2.0, also Lambda Function
// URLs), API Gateway REST (payload 1.0) and ALB. Each turns its event into an
// HttpRequest and an HttpResponse back into the result shape it expects.

export type LambdaHttpEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent | ALBEvent;
export type LambdaHttpResult = APIGatewayProxyStructuredResultV2 | APIGatewayProxyResult | ALBResult;

export interface AdaptedEvent {
  readonly request: HttpRequest;
  readonly toResult: (response: HttpResponse) => LambdaHttpResult;
}

type HeaderBag = Record<string, string | undefined> | null | undefined;
type MultiHeaderBag = Record<string, string[] | undefined> | null | undefined;
type QueryBag = Record<string, string | string[] | undefined> | null | undefined;

function collectHeaders(single: HeaderBag, multi: MultiHeaderBag): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [name, values] of Object.entries(multi ?? {})) {
    if (values && values.length > 0) headers.set(name.toLowerCase(), values.join(', '));
  }
  for (const [name, value] of Object.entries(single ?? {})) {
    const key = name.toLowerCase();
    if (value !== undefined && !headers.has(key)) headers.set(key, value);
  }
  return headers;
}

function collectQuery(bag: QueryBag, decode: (value: string) => string): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, values] of Object.entries(bag ?? {})) {
    for (const value of Array.isArray(values) ? values : values === undefined ? [] : [values]) {
      query.append(decode(name), decode(value));
    }
  }
  return query;
}

// ALB hands query parameters over still percent-encoded.
function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

const bodyBytes = (body: string | null | undefined, base64: boolean | undefined): Uint8Array =>
  body ? Buffer.from(body, base64 ? 'base64' : 'utf8') : new Uint8Array();

const isV2 = (event: LambdaHttpEvent): event is APIGatewayProxyEventV2 =>
  (event as APIGatewayProxyEventV2).version === '2.0' && typeof (event as APIGatewayProxyEventV2).requestContext?.http?.method === 'string';

const isAlb = (event: LambdaHttpEvent): event is ALBEvent => 'elb' in ((event as ALBEvent).requestContext ?? {});

/** A result body: text as it is, bytes in base64 (API Gateway and ALB decode them for the client). */
const resultBody = (body: HttpResponse['body']): { body: string; isBase64Encoded: boolean } =>
  typeof body === 'string' ? { body, isBase64Encoded: false } : { body: Buffer.from(body).toString('base64'), isBase64Encoded: true };

const apiGatewayResult = (response: HttpResponse): APIGatewayProxyStructuredResultV2 & APIGatewayProxyResult => ({
  statusCode: response.status,
  headers: { ...response.headers },
  ...resultBody(response.body),
});

/** Adapts any supported event; undefined when the event is none of them. */
export function adaptEvent(event: LambdaHttpEvent): AdaptedEvent | undefined {
  if (isV2(event)) {
    return {
      request: {
        method: event.requestContext.http.method.toUpperCase(),
        path: event.rawPath ?? event.requestContext.http.path,
        headers: collectHeaders(event.headers, undefined),
        query: new URLSearchParams(event.rawQueryString ?? ''),
        body: bodyBytes(event.body, event.isBase64Encoded),
      },
      toResult: apiGatewayResult,
    };
  }
  if (typeof (event as APIGatewayProxyEvent).httpMethod !== 'string' || typeof (event as APIGatewayProxyEvent).path !== 'string') {
    return undefined;
  }
  const v1 = event as APIGatewayProxyEvent | ALBEvent;
  const alb = isAlb(event);
  const request: HttpRequest = {
    method: v1.httpMethod.toUpperCase(),
    path: v1.path,
    headers: collectHeaders(v1.headers, v1.multiValueHeaders),
    query: collectQuery(v1.multiValueQueryStringParameters ?? v1.queryStringParameters, alb ? percentDecode : (value) => value),
    body: bodyBytes(v1.body, v1.isBase64Encoded),
  };
  if (!alb) {
    return { request, toResult: apiGatewayResult };
  }
  // An ALB target group with multi-value headers on expects them in the answer too.
  const multiValue = v1.multiValueHeaders !== undefined && v1.multiValueHeaders !== null;
  return {
    request,
    toResult: (response) => ({
      statusCode: response.status,
      statusDescription: `${response.status} ${STATUS_CODES[response.status] ?? ''}`.trim(),
      ...(multiValue
        ? { multiValueHeaders: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, [v]])) }
        : { headers: { ...response.headers } }),
      ...resultBody(response.body),
    }),
  };
}

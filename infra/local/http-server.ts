import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { LambdaHttpEvent, LambdaHttpResult } from '../../lib/http/lambda-event';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { formatRequestLine, withRequestLine } from './request-lines';

// Serves the Lambda handler over plain HTTP for local use, turning each request
// into the HTTP API 2.0 event that API Gateway would deliver.

type Handler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;

// API Gateway accepts bodies up to 10 MB; locally, stop reading well before
// that. The handler's own 16 KiB cap still decides the answer.
const MAX_LOCAL_BODY = 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_LOCAL_BODY) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The HTTP API 2.0 event for a request (headers lower-cased and joined as API Gateway does). */
export function toHttpApiEvent(request: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${now.getTime()}`,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length > 0 ? body.toString('base64') : undefined,
    isBase64Encoded: body.length > 0,
  };
}

export interface LocalServerOptions {
  /** The text `GET /` answers with (production answers `/` with an empty 404). */
  readonly index?: () => string;
  /** One readable line per request. */
  readonly log?: (line: string) => void;
}

/** The request listener: for the local HTTP server, and for tests that serve the handler over HTTPS. */
export function localRequestListener(handler: Handler, options: LocalServerOptions = {}): RequestListener {
  return async (request, response) => {
    const started = performance.now();
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const logLine = (status: number, line?: RequestLogLine) => options.log?.(formatRequestLine(request.method ?? '-', path, status, line, performance.now() - started));
    if (options.index && path === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
      const page = Buffer.from(options.index(), 'utf8');
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': page.length });
      response.end(request.method === 'HEAD' ? undefined : page);
      return logLine(200);
    }
    try {
      const body = await readBody(request);
      const { result, line } = await withRequestLine(() => handler(toHttpApiEvent(request, body)));
      const answer = result as Exclude<LambdaHttpResult, string>;
      const payload = Buffer.from(answer.body ?? '', answer.isBase64Encoded ? 'base64' : 'utf8');
      const status = answer.statusCode ?? 200;
      // A HEAD answer carries the GET body's Content-Length; keep it.
      response.writeHead(status, { 'Content-Length': payload.length, ...(answer.headers as Record<string, string>) });
      response.end(payload);
      logLine(status, line);
    } catch (error) {
      const status = error instanceof BodyTooLarge ? 413 : 500;
      response.writeHead(status, { 'Content-Length': 0, Connection: 'close' });
      response.end();
      logLine(status);
    }
  };
}

export const createLocalHttpServer = (handler: Handler, options: LocalServerOptions = {}): Server => createServer(localRequestListener(handler, options));

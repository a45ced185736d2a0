import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { LambdaHttpEvent, LambdaHttpResult } from '../../lib/http/lambda-event';

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

export function createLocalHttpServer(handler: Handler): Server {
  return createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      const result = (await handler(toHttpApiEvent(request, body))) as Exclude<LambdaHttpResult, string>;
      const payload = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
      // A HEAD answer carries the GET body's Content-Length; keep it.
      response.writeHead(result.statusCode ?? 200, { 'Content-Length': payload.length, ...(result.headers as Record<string, string>) });
      response.end(payload);
    } catch (error) {
      response.writeHead(error instanceof BodyTooLarge ? 413 : 500, { 'Content-Length': 0, Connection: 'close' });
      response.end();
    }
  });
}

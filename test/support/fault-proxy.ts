import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward } from './counting-proxy';

// DynamoDB misbehaving, at the wire: an HTTP server on 127.0.0.1 in front of
// a real DynamoDB-protocol server that forwards, refuses connections, accepts
// and never answers, answers late, throttles, hands batch keys back
// unprocessed, or rewrites the items it returns.

/** An item as DynamoDB's JSON protocol carries it (`{ id: { S: '…' }, … }`). */
export type WireItem = Record<string, Record<string, unknown>>;

export type ProxyMode =
  | { kind: 'forward' }
  /**
   * Every connection is reset as it opens. (The port stays ours: giving it up
   * would let a proxy started meanwhile take it. A closed port is tested in
   * pox-store-failure.test.ts.)
   */
  | { kind: 'refuse' }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number }
  | { kind: 'throttle'; remaining: number; error: string }
  | { kind: 'unprocess'; remaining: number }
  /** Items in read answers pass through `rewrite` (the CRC header goes: the body changed). */
  | { kind: 'rewrite'; rewrite: (item: WireItem) => WireItem };

export interface FaultProxy {
  readonly endpoint: string;
  readonly stats: { requests: number; throttled: number; unprocessed: number };
  setMode(mode: ProxyMode): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

/** DynamoDB shedding load: a BatchGetItem answered with every key handed back unprocessed. */
async function answerUnprocessed(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { RequestItems } = JSON.parse(await readBody(req)) as { RequestItems: Record<string, unknown> };
  const responses = Object.fromEntries(Object.keys(RequestItems).map((table) => [table, []]));
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify({ Responses: responses, UnprocessedKeys: RequestItems }));
}

/** Forwards, then rewrites every item of a GetItem or BatchGetItem answer. */
function forwardRewritten(target: string, req: IncomingMessage, res: ServerResponse, rewrite: (item: WireItem) => WireItem): void {
  const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, async (answer) => {
    const text = await readBody(answer);
    const body = JSON.parse(text) as { Item?: WireItem; Responses?: Record<string, WireItem[]> };
    if (body.Item) body.Item = rewrite(body.Item);
    for (const table of Object.keys(body.Responses ?? {})) body.Responses![table] = body.Responses![table]!.map(rewrite);
    const out = JSON.stringify(body);
    const { 'x-amz-crc32': _crc, 'content-length': _length, ...headers } = answer.headers;
    res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const stats = { requests: 0, throttled: 0, unprocessed: 0 };
  let mode: ProxyMode = { kind: 'forward' };
  const server: Server = createServer((req, res) => {
    stats.requests++;
    const current = mode;
    switch (current.kind) {
      case 'hang':
        return; // hold the request open; close() destroys it
      case 'delay':
        setTimeout(() => (res.destroyed ? undefined : forward(target, req, res)), current.ms);
        return;
      case 'rewrite':
        return forwardRewritten(target, req, res, current.rewrite);
      case 'unprocess':
        if (current.remaining > 0 && String(req.headers['x-amz-target']).endsWith('.BatchGetItem')) {
          current.remaining--;
          stats.unprocessed++;
          void answerUnprocessed(req, res);
          return;
        }
        break;
      case 'throttle':
        if (current.remaining > 0) {
          current.remaining--;
          stats.throttled++;
          req.resume();
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${current.error}`, message: 'Rate of requests exceeds the allowed throughput.' }));
          return;
        }
        break;
    }
    forward(target, req, res);
  });
  server.on('connection', (socket) => {
    if (mode.kind === 'refuse') socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    async setMode(next) {
      mode = next;
      // Connections kept alive from before would bypass a refusal.
      if (next.kind === 'refuse') server.closeAllConnections();
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// An HTTP proxy on 127.0.0.1 in front of a DynamoDB endpoint: what the wire
// sees, counted per operation (the SDK names it in X-Amz-Target), independent
// of anything the code under test says about itself.

/** Sends `req` on to `target` unchanged and pipes the answer back. */
export function forward(target: string, req: IncomingMessage, res: ServerResponse): void {
  const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

export interface CountingProxy {
  readonly endpoint: string;
  /** Calls seen so far, by operation (`GetItem`, `BatchGetItem`, ...). */
  readonly calls: Map<string, number>;
  /** Read round trips so far: GetItem plus BatchGetItem calls. */
  reads(): number;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const calls = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
    forward(target, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    reads: () => (calls.get('GetItem') ?? 0) + (calls.get('BatchGetItem') ?? 0),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

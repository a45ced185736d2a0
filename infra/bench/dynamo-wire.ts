import { spawn } from 'node:child_process';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { createStoreClient, createTenantTable, type RawItem } from '../../lib/tenants/dynamodb';

// DynamoDB on the other side of a socket, for the benchmark and the load run:
// dynalite in its own process, and a TCP proxy in front of it that counts the
// DynamoDB requests crossing the wire by their X-Amz-Target (GetItem,
// BatchGetItem, ...), whatever client or cache sent them.

/** dynalite in its own process on 127.0.0.1, as DynamoDB is on the other side of a socket. */
export async function startDynalite(cwd: string): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['-e', "require('dynalite')({createTableMs:0}).listen(0,'127.0.0.1',function(){process.stdout.write(String(this.address().port)+'\\n')})"],
    { cwd, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((done, fail) => {
    child.once('error', fail);
    child.stdout.once('data', (chunk: Buffer) => done(chunk.toString().trim()));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** Creates `tableName` at `endpoint` and puts `items` into it, 32 at a time. */
export async function seedTable(endpoint: string, tableName: string, items: readonly RawItem[]): Promise<void> {
  const client = createStoreClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const table = createTenantTable(tableName, client, { readDeadlineMs: null });
  await table.ensureTable();
  for (let i = 0; i < items.length; i += 32) await Promise.all(items.slice(i, i + 32).map((item) => table.putItem(item)));
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Counts HTTP/1.1 requests in one direction of a connection: finds each
 * request's header block, notes its X-Amz-Target and skips its
 * Content-Length body. Bytes may arrive split anywhere.
 */
export function requestCounter(count: (target: string) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let bodyLeft = 0;
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (bodyLeft > 0) {
        const skip = Math.min(bodyLeft, pending.length);
        bodyLeft -= skip;
        pending = pending.subarray(skip);
        if (bodyLeft > 0) return;
      }
      const end = pending.indexOf(HEADER_END);
      if (end < 0) return;
      const head = pending.subarray(0, end).toString('latin1');
      pending = pending.subarray(end + HEADER_END.length);
      const target = /^x-amz-target:\s*(?:DynamoDB_\d+\.)?(\S+)/im.exec(head)?.[1] ?? 'unknown';
      bodyLeft = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
      count(target);
    }
  };
}

export interface CountingProxy {
  readonly endpoint: string;
  /** Requests seen so far, by operation (GetItem, BatchGetItem, PutItem, ...). */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 in front of `endpoint`, counting the DynamoDB requests that pass. */
export async function startCountingProxy(endpoint: string): Promise<CountingProxy> {
  const upstream = new URL(endpoint);
  const seen: Record<string, number> = {};
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const backend = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    for (const socket of [client, backend]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => (client.destroy(), backend.destroy()));
    }
    const counter = requestCounter((target) => (seen[target] = (seen[target] ?? 0) + 1));
    client.on('data', counter);
    client.pipe(backend);
    backend.pipe(client);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...seen }),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

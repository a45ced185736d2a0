import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';

// The doctor's HTTP client: one request, no redirects followed, and the
// server certificate as the client saw it (trusted or not, names, expiry),
// so a bad certificate is reported rather than hidden behind an exception.

export interface CertificateSeen {
  /** Trusted by the trust store and valid for the host name asked for. */
  readonly trusted: boolean;
  /** Why not, in OpenSSL's words (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, …). */
  readonly problem?: string;
  readonly validTo: Date;
  /** The DNS names it covers. */
  readonly names: readonly string[];
}

export interface ProbeAnswer {
  readonly status: number;
  /** Header names lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly certificate?: CertificateSeen;
}

export interface ProbeRequest {
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Resolves with an answer, or rejects with the connection error (its `code` says why). */
export type ProbeClient = (url: string, request: ProbeRequest) => Promise<ProbeAnswer>;

export interface ProbeClientOptions {
  /** Extra trusted certificates (PEM); undefined: Node's default trust store. */
  readonly ca?: readonly string[];
  /** Where to connect for a URL (tests: 127.0.0.1 and a local port); default: the URL's own host and port. */
  readonly connectTo?: (url: URL) => { host: string; port: number };
  readonly timeoutMs?: number;
}

// A body larger than this is not an Autodiscover answer; stop reading.
const MAX_BODY = 256 * 1024;
const DEFAULT_TIMEOUT_MS = 5000;

function certificateOf(response: IncomingMessage): CertificateSeen | undefined {
  const socket = response.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.valid_to) return undefined;
  const names = (peer.subjectaltname ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  const problem = socket.authorizationError === null || socket.authorizationError === undefined ? undefined : String(socket.authorizationError);
  return { trusted: socket.authorized, problem, validTo: new Date(peer.valid_to), names };
}

export function createProbeClient(options: ProbeClientOptions = {}): ProbeClient {
  return (address, { method, headers = {}, body }) =>
    new Promise((resolve, reject) => {
      const url = new URL(address);
      const https = url.protocol === 'https:';
      const target = options.connectTo?.(url) ?? { host: url.hostname, port: Number(url.port || (https ? 443 : 80)) };
      const send = https ? httpsRequest : httpRequest;
      const outgoing = send(
        {
          host: target.host,
          port: target.port,
          method,
          path: `${url.pathname}${url.search}`,
          headers: { Host: url.host, ...headers, ...(body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) }) },
          timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          agent: false,
          // Checked below and reported, not refused: a bad certificate is a finding.
          ...(https ? { servername: url.hostname, rejectUnauthorized: false, ca: options.ca ? [...options.ca] : undefined } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY) chunks.push(chunk);
          });
          response.on('error', reject);
          response.on('end', () => {
            const flat: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
            resolve({ status: response.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks).toString('utf8'), certificate: https ? certificateOf(response) : undefined });
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}

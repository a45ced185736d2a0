import { describe, expect, it } from 'vitest';
import { createRouter, type Route } from '../../lib/http/router';
import type { HttpRequest, HttpResponse, LogFields } from '../../lib/http/types';

// The router alone: case-insensitive paths, `/*` prefixes, OPTIONS / 405 / 404,
// and HEAD as the GET's status and headers with the body's length and no body.

const request = (method: string, path: string): HttpRequest => ({ method, path, headers: new Map(), query: new URLSearchParams(), body: new Uint8Array() });
const answer = (body: string | Uint8Array): HttpResponse => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body });

const named = (name: string, body: string | Uint8Array = name): Route => ({ name, methods: { GET: () => answer(body) } });

const route = createRouter(
  new Map<string, Route>([
    ['/exact', named('exact', 'grüße')],
    ['/exact/*', named('below')],
    ['/exact/deeper/*', named('deeper')],
    ['/bytes', named('bytes', new Uint8Array([1, 2, 3, 4]))],
  ]),
);

async function send(method: string, path: string): Promise<{ response: HttpResponse; log: LogFields }> {
  const log: LogFields = {};
  return { response: await route(request(method, path), log), log };
}

describe('createRouter', () => {
  it.each([
    ['/exact', 'exact'],
    ['/EXACT', 'exact'],
    ['/exact/v1.0/alice@example.com', 'below'],
    ['/Exact/Deeper/x', 'deeper'],
    ['/exactly', 'unknown'],
    ['/exact/', 'below'],
    ['/other', 'unknown'],
  ])('%s → route %s', async (path, name) => {
    const { response, log } = await send('GET', path);
    expect(log.route).toBe(name);
    expect(response.status).toBe(name === 'unknown' ? 404 : 200);
  });

  it('HEAD answers with the GET headers and the byte length of the body it leaves out', async () => {
    for (const [path, length] of [['/exact', Buffer.byteLength('grüße')], ['/bytes', 4]] as const) {
      const { response } = await send('HEAD', path);
      expect(response.body).toBe('');
      expect(response.headers).toEqual({ 'Content-Type': 'text/plain', 'Content-Length': String(length) });
    }
  });

  it('OPTIONS → 204 with Allow; another method → 405 with Allow', async () => {
    const options = await send('OPTIONS', '/exact/x');
    expect([options.response.status, options.response.headers.Allow]).toEqual([204, 'GET, HEAD, OPTIONS']);
    const put = await send('PUT', '/exact');
    expect([put.response.status, put.response.headers.Allow]).toEqual([405, 'GET, HEAD, OPTIONS']);
  });
});

import { emptyResponse } from './responses';
import type { HttpRequest, HttpResponse, LogFields } from './types';

/** May answer synchronously (a warm request then builds no promise chain); the outer layer awaits either. */
export type RouteMethod = (request: HttpRequest, log: LogFields) => HttpResponse | Promise<HttpResponse>;

export interface Route {
  /** Short name for logs and metrics. */
  readonly name: string;
  /** Handlers by upper-case method; HEAD falls back to GET without the body. */
  readonly methods: Readonly<Partial<Record<string, RouteMethod>>>;
}

/** Routes by lower-cased path (paths match case-insensitively; the query string plays no part). */
export type RouteTable = ReadonlyMap<string, Route>;

function allowedMethods(route: Route): string {
  const methods = new Set(Object.keys(route.methods));
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].join(', ');
}

const withoutBody = (response: HttpResponse): HttpResponse => ({ ...response, body: '' });

/** Dispatches a request: 404 for unknown paths, 204 for OPTIONS, 405 for other methods. */
export function createRouter(routes: RouteTable): RouteMethod {
  return (request, log) => {
    const route = routes.get(request.path.toLowerCase());
    if (!route) {
      log.route = 'unknown';
      return emptyResponse(404);
    }
    log.route = route.name;
    if (request.method === 'OPTIONS') return emptyResponse(204, { Allow: allowedMethods(route) });
    const head = request.method === 'HEAD';
    const handle = route.methods[request.method] ?? (head ? route.methods.GET : undefined);
    if (!handle) return emptyResponse(405, { Allow: allowedMethods(route) });
    const response = handle(request, log);
    if (!head) return response;
    return response instanceof Promise ? response.then(withoutBody) : withoutBody(response);
  };
}

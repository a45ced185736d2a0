import { emptyResponse } from './responses';
import { bodyLength, type HttpRequest, type HttpResponse, type LogFields } from './types';

/** May answer synchronously (a warm request then builds no promise chain); the outer layer awaits either. */
export type RouteMethod = (request: HttpRequest, log: LogFields) => HttpResponse | Promise<HttpResponse>;

export interface Route {
  /** Short name for logs and metrics. */
  readonly name: string;
  /** Handlers by upper-case method; HEAD falls back to GET without the body. */
  readonly methods: Readonly<Partial<Record<string, RouteMethod>>>;
}

/**
 * Routes by lower-cased path (paths match case-insensitively; the query
 * string plays no part). A path ending in `/*` also takes every path below
 * it (`/autodiscover/autodiscover.json/*` takes `…/v1.0/<address>`).
 */
export type RouteTable = ReadonlyMap<string, Route>;

const PREFIX_MARK = '/*';

/** The route for a path: an exact entry first, else the longest `/*` entry above it. */
function routeLookup(routes: RouteTable): (path: string) => Route | undefined {
  const prefixes = [...routes]
    .filter(([path]) => path.endsWith(PREFIX_MARK))
    .map(([path, route]) => [path.slice(0, -1), route] as const)
    .sort(([a], [b]) => b.length - a.length);
  return (path) => {
    const exact = routes.get(path);
    if (exact !== undefined || prefixes.length === 0) return exact;
    return prefixes.find(([prefix]) => path.startsWith(prefix))?.[1];
  };
}

function allowedMethods(route: Route): string {
  const methods = new Set(Object.keys(route.methods));
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].join(', ');
}

/** HEAD: the GET's status and headers, including the length of the body it leaves out. */
const withoutBody = (response: HttpResponse): HttpResponse => ({
  ...response,
  headers: { ...response.headers, 'Content-Length': String(bodyLength(response.body)) },
  body: '',
});

/** Dispatches a request: 404 for unknown paths, 204 for OPTIONS, 405 for other methods. */
export function createRouter(routes: RouteTable): RouteMethod {
  const find = routeLookup(routes);
  return (request, log) => {
    const route = find(request.path.toLowerCase());
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

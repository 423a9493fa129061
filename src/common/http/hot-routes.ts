import { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { renderError } from '../all-exceptions.filter';
import { echoedRequestId, echoRequestIds, REQUEST_ID_HEADER, servedRequestId } from './request-id';

/** A route served straight from node:http. It may answer later; a throw or rejection is a 4xx/5xx. */
export type HotHandler = (
  request: IncomingMessage,
  response: ServerResponse,
) => void | Promise<void>;

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Told of every answered hot-route request (the metrics, docs/metrics.md): the route's path as
 * declared (never the request's), its method, status and milliseconds from arrival to answer.
 */
export type HotRouteObserver = (
  route: string,
  method: string,
  status: number,
  milliseconds: number,
) => void;

export interface HotRoute {
  /** Upper-case methods this route answers; others go on to Fastify (and its 404). */
  methods: readonly string[];
  /** The exact path, or with `prefix` also every path below it (`<path>/...`). */
  path: string;
  prefix?: boolean;
}

interface Entry extends HotRoute {
  handler: HotHandler;
}

/**
 * What Fastify answers a request that arrives while it closes (`return503OnClosing`, fastify
 * lib/route.js): the hot routes answer the same, byte for byte, so a load balancer sees one
 * server draining.
 */
const CLOSING_BODY =
  '{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}';

/**
 * The few routes every API call behind a gateway reaches (the access decisions), served from
 * node:http ahead of Fastify and Nest: no router, request and reply objects or the dozen hooks
 * Nest and its plugins add to every request. Measured (bench/, check_gateway): about a third of
 * the server's CPU per decision. Every other request goes on to Fastify untouched.
 *
 * Errors a hot route throws are rendered exactly as the exception filter renders them, in the
 * admin API's shape: the hot routes are the access API's.
 */
export class HotRoutes {
  private readonly routes: Entry[] = [];
  private closing = false;
  private observer?: HotRouteObserver;

  add(route: HotRoute, handler: HotHandler): void {
    this.routes.push({ ...route, handler });
  }

  /**
   * The server is shutting down (called when Fastify starts closing): from now on every hot
   * route answers 503 with `Connection: close`, as Fastify answers its own routes, so requests
   * on connections still open go elsewhere and those connections end.
   */
  close(): void {
    this.closing = true;
  }

  /** Set once at start when metrics are on; without one, a request costs nothing more. */
  observe(observer: HotRouteObserver): void {
    this.observer = observer;
  }

  /** The server's request listener: a hot route when one matches, else `next` (Fastify). */
  listener(next: RequestListener): RequestListener {
    return (request, response) => {
      const route = this.match(request.method ?? 'GET', request.url ?? '/');
      if (!route) {
        echoRequestIds(response);
        return next(request, response);
      }
      if (this.observer) return this.serveObserved(this.observer, route, request, response);
      this.serve(route, request, response);
    };
  }

  private serve(route: Entry, request: IncomingMessage, response: ServerResponse): void {
    if (this.closing) return refuseWhileClosing(request, response);
    let answered: void | Promise<void>;
    try {
      answered = route.handler(request, response);
    } catch (error) {
      return fail(request, response, error);
    }
    if (answered) answered.catch((error: unknown) => fail(request, response, error));
  }

  /**
   * Serves and tells the observer: at once when the route answered in the same tick (the
   * gateway deciding from memory), else when the answer is sent.
   */
  private serveObserved(
    observer: HotRouteObserver,
    route: Entry,
    request: IncomingMessage,
    response: ServerResponse,
  ): void {
    const started = performance.now();
    this.serve(route, request, response);
    const method = request.method ?? 'GET';
    if (response.writableEnded) {
      observer(route.path, method, response.statusCode, performance.now() - started);
      return;
    }
    response.once('finish', () =>
      observer(route.path, method, response.statusCode, performance.now() - started),
    );
  }

  private match(method: string, url: string): Entry | undefined {
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    for (const route of this.routes) {
      if (!route.methods.includes(method)) continue;
      if (path === route.path) return route;
      if (route.prefix && path.startsWith(route.path) && path[route.path.length] === '/')
        return route;
    }
    return undefined;
  }
}

function refuseWhileClosing(request: IncomingMessage, response: ServerResponse): void {
  if (request.httpVersionMajor !== 2) response.setHeader('Connection', 'close');
  response.writeHead(503, {
    [REQUEST_ID_HEADER]: echoedRequestId(),
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(CLOSING_BODY),
  });
  response.end(CLOSING_BODY);
}

function fail(request: IncomingMessage, response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const { status, headers, body } = renderError(error, {
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    shape: 'api',
    id: servedRequestId(request),
  });
  response.writeHead(status, {
    ...headers,
    [REQUEST_ID_HEADER]: echoedRequestId(),
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

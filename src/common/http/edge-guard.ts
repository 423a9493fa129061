import { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { FieldProblem, ValidationFailedError } from '../api-error';
import { ErrorPage, renderError } from '../all-exceptions.filter';
import { unroutedShape } from '../error-response';
import { InvalidClientError } from '../oauth-error';
import { decodeComponent, decodeUtf8, headerValueProblem, textProblem } from './hostile-text';
import { RequestListener } from './hot-routes';
import { echoedRequestId, REQUEST_ID_HEADER, servedRequestId } from './request-id';
import { readForm } from './strict-form';

/** A prefix whose URL (and the named headers) belong to the route: it judges them itself. */
export interface OpaqueRoute {
  prefix: string;
  /** Lower-case header names the route reads as data of its own (the original request's URI). */
  headers: readonly string[];
}

export interface EdgeGuardOptions {
  /** The gateway: the original request's path is its decision (deny `path_rejected`), not a 400. */
  opaque: readonly OpaqueRoute[];
  /**
   * Paths that answer a repeated parameter themselves: /authorize sends the error back to the
   * client (RFC 6749 §4.1.2.1) once the client and redirect URI are known good.
   */
  ownRepeats: readonly string[];
  /** The HTML error page, for the pages a person sees. */
  errorPage: ErrorPage;
  /** Told of every request refused here, with the time its refusal took (metrics). */
  refused?: (method: string | undefined, status: number, milliseconds: number) => void;
}

/** A character outside visible ASCII, which a request target carries only percent-encoded. */
const RAW = /[^\x21-\x7e]/;

/**
 * Where the request target breaks the edge rules: a raw byte outside visible ASCII (RFC 3986 §2
 * wants it percent-encoded), a percent-encoding that is not UTF-8, a decoded path with any
 * control character, a query name or value with NUL, a control other than tab/LF/CR, or a name
 * `__proto__`. A target without `%` or a query passes after one scan.
 */
export function urlProblem(
  url: string,
  repeats: 'refused' | 'allowed' = 'refused',
): FieldProblem | undefined {
  if (RAW.test(url)) return { field: 'url', problem: 'must be percent-encoded ASCII' };
  const question = url.indexOf('?');
  if (question === -1 && !url.includes('%')) return undefined;
  const path = question === -1 ? url : url.slice(0, question);
  const decoded = decodeComponent(path);
  if (decoded === undefined)
    return { field: 'path', problem: 'is not valid percent-encoded UTF-8' };
  const pathProblem = textProblem(decoded, 'name');
  if (pathProblem) return { field: 'path', problem: pathProblem };
  if (question === -1) return undefined;
  const read = readForm(url.slice(question + 1), 'query', repeats);
  return 'problem' in read ? read.problem : undefined;
}

/** RFC 7617 §2 with RFC 6749 §2.3.1: Basic credentials are form-encoded UTF-8 without controls. */
function basicCredentialsProblem(value: string): string | undefined {
  const match = /^basic +([A-Za-z0-9+/]+=*) *$/i.exec(value);
  if (!match) return undefined; // not well-formed Basic: the route answers invalid_client
  const decoded = decodeUtf8(Buffer.from(match[1], 'base64'));
  if (decoded === undefined) return 'has Basic credentials that are not UTF-8';
  const colon = decoded.indexOf(':');
  for (const part of colon === -1
    ? [decoded]
    : [decoded.slice(0, colon), decoded.slice(colon + 1)]) {
    const text = decodeComponent(part, true);
    if (text === undefined)
      return 'has a Basic user-id or password that is not valid percent-encoded UTF-8';
    const problem = textProblem(text, 'name');
    if (problem) return `has a Basic user-id or password that ${problem}`;
  }
  return undefined;
}

/**
 * Where a header breaks the edge rules: a control character, bytes that are not UTF-8, or
 * Basic credentials that do not decode cleanly. Cookies are judged one by one as they are read
 * (see cookieValue); `skip` names headers that are the route's own data.
 */
export function headersProblem(
  rawHeaders: readonly string[],
  skip: readonly string[] = [],
): (FieldProblem & { basic?: true }) | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const value = rawHeaders[i + 1];
    const problem = headerValueProblem(value);
    if (!problem && (value.charCodeAt(0) | 0x20) === 0x62 /* b */ && value.length > 6) {
      if (rawHeaders[i].toLowerCase() === 'authorization') {
        const basic = basicCredentialsProblem(value);
        if (basic) return { field: 'headers.authorization', problem: basic, basic: true };
      }
    }
    if (!problem) continue;
    const name = rawHeaders[i].toLowerCase();
    if (name === 'cookie' || skip.includes(name)) continue;
    return { field: `headers.${name}`, problem };
  }
  return undefined;
}

/**
 * The edge of the server: every request, hot routes and Fastify's alike, has its URL and headers
 * checked before anything parses or routes it, and gets the endpoint's 400 when they break the
 * rules (docs/security/input.md). Bodies are checked by their parsers (strict-json, strict-form).
 */
export function guardEdge(next: RequestListener, options: EdgeGuardOptions): RequestListener {
  return (request, response) => {
    const url = request.url ?? '/';
    const opaque = options.opaque.find(({ prefix }) => isUnder(url, prefix));
    const problem =
      (opaque ? undefined : urlProblem(url, repeatsFor(url, options))) ??
      headersProblem(request.rawHeaders, opaque?.headers);
    if (!problem) return next(request, response);
    const { refused } = options;
    if (!refused) return refuse(request, response, problem, options.errorPage);
    const started = performance.now();
    refuse(request, response, problem, options.errorPage);
    refused(request.method, response.statusCode, performance.now() - started);
  };
}

/** Whether `url` is `prefix` or below it, a query aside. */
function isUnder(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  const next = url[prefix.length];
  return next === undefined || next === '/' || next === '?';
}

/** Whether the route at `url` may see repeated parameters (it answers them itself). */
export function repeatsFor(url: string, options: EdgeGuardOptions): 'refused' | 'allowed' {
  return options.ownRepeats.some((prefix) => isUnder(url, prefix)) ? 'allowed' : 'refused';
}

/**
 * 400 with the problem; Basic credentials that cannot be read are a failed client
 * authentication instead: 401 invalid_client with a Basic challenge (RFC 6749 §5.2). Nothing
 * is routed yet: the answer takes the shape of the surface the path sits under.
 */
function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  problem: FieldProblem & { basic?: true },
  errorPage: ErrorPage,
): void {
  const url = request.url ?? '/';
  const { status, headers, body } = renderError(
    problem.basic
      ? new InvalidClientError(problem.problem, true)
      : new ValidationFailedError([{ field: problem.field, problem: problem.problem }]),
    {
      method: request.method ?? 'GET',
      url,
      shape: unroutedShape(url),
      id: servedRequestId(request),
    },
    errorPage,
  );
  response.writeHead(status, {
    ...headers,
    [REQUEST_ID_HEADER]: echoedRequestId(),
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/**
 * How cookies are decoded (RFC 6265 §5.2; percent-decoding as the `cookie` package does): a
 * value that is not valid percent-encoded UTF-8 or breaks the text rules reads as empty, that
 * is as no cookie, so a cookie set by a neighbouring site on a shared domain can neither carry
 * hostile bytes in nor lock anyone out.
 */
export function cookieValue(raw: string): string {
  if (headerValueProblem(raw)) return '';
  const text = decodeUtf8(Buffer.from(raw, 'latin1'));
  const decoded = text === undefined ? undefined : decodeComponent(text);
  if (decoded === undefined || textProblem(decoded, 'name')) return '';
  return decoded;
}

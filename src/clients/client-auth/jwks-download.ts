import http from 'node:http';
import https from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { nonPublicRange } from '../network-address.policy';

/** The whole fetch, from connecting to the last byte. */
export const JWKS_FETCH_TIMEOUT_MS = 2_500;
/** A JWK Set of 20 RSA-4096 keys is about 16 KiB. */
export const JWKS_MAX_BYTES = 64 * 1024;

export interface DownloadOptions {
  /** JWKS_URI_ALLOW_PRIVATE (development): private and loopback hosts, and http, are allowed. */
  allowPrivate: boolean;
  /** The DNS resolver whose answers are checked before connecting. */
  resolve: LookupFunction;
  /** Tests pass an Agent that trusts their own CA; production uses Node's default. */
  agent?: https.Agent;
}

/** Why a jwks_uri could not be fetched; the message is for the debug log, never the client. */
export class JwksDownloadError extends Error {
  override readonly name = 'JwksDownloadError';
}

/**
 * Resolves through `resolve`, then refuses unless every address is public. Node connects only
 * to the addresses this returns, so a second DNS answer (rebinding) between check and connect
 * cannot happen: the check is on the address actually connected to.
 */
function publicOnlyLookup(resolve: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, found) => {
      if (error) return callback(error, '');
      const addresses = Array.isArray(found) ? found : [];
      if (addresses.length === 0) {
        return callback(new JwksDownloadError(`${hostname} resolves to no address`), '');
      }
      const refused = addresses.find(({ address }) => nonPublicRange(address) !== undefined);
      if (refused) {
        const range = nonPublicRange(refused.address) ?? '';
        return callback(
          new JwksDownloadError(`${hostname} resolves to a non-public address (${range})`),
          '',
        );
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * GETs `uri` and parses its body as JSON, safely enough to point at an address a client chose
 * (OAuth 2.0 Security BCP §4.16 on SSRF): https only, public addresses only, no redirects, one
 * timeout for the whole exchange, and a cap on the body read.
 */
export function downloadJson(uri: string, options: DownloadOptions): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return Promise.reject(new JwksDownloadError('not a URL'));
  }
  const secure = url.protocol === 'https:';
  if (!secure && !(options.allowPrivate && url.protocol === 'http:')) {
    return Promise.reject(new JwksDownloadError('only https is allowed'));
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node skips the lookup for an IP literal, so it is checked here.
  const literalRange = isIP(host) !== 0 ? nonPublicRange(host) : undefined;
  if (literalRange && !options.allowPrivate) {
    return Promise.reject(new JwksDownloadError(`a non-public address (${literalRange})`));
  }

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        request.destroy();
        reject(error);
      } else {
        resolve(value);
      }
    };
    const request = (secure ? https : http).request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/jwk-set+json, application/json' },
        agent: secure ? options.agent : undefined,
        lookup: options.allowPrivate ? options.resolve : publicOnlyLookup(options.resolve),
      },
      (response) => {
        // No redirects: a 3xx is a failure like any other status.
        if (response.statusCode !== 200) {
          response.resume();
          return settle(new JwksDownloadError(`answered HTTP ${response.statusCode}`));
        }
        const declared = Number(response.headers['content-length'] ?? 0);
        if (declared > JWKS_MAX_BYTES) {
          return settle(new JwksDownloadError(`body larger than ${JWKS_MAX_BYTES} bytes`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > JWKS_MAX_BYTES) {
            settle(new JwksDownloadError(`body larger than ${JWKS_MAX_BYTES} bytes`));
          } else {
            chunks.push(chunk);
          }
        });
        response.on('error', (error) => settle(new JwksDownloadError(error.message)));
        response.on('end', () => {
          try {
            settle(undefined, JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            settle(new JwksDownloadError('body is not JSON'));
          }
        });
      },
    );
    const timer = setTimeout(
      () => settle(new JwksDownloadError(`no answer within ${JWKS_FETCH_TIMEOUT_MS} ms`)),
      JWKS_FETCH_TIMEOUT_MS,
    );
    request.on('error', (error) =>
      settle(error instanceof JwksDownloadError ? error : new JwksDownloadError(error.message)),
    );
    request.end();
  });
}

import { expect } from 'expect';
import { exportJWK, generateKeyPair, JWK } from 'jose';
import { LookupAddress } from 'node:dns';
import http from 'node:http';
import { LookupFunction } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  HttpsTestServer,
  startHttpsServer,
  trustingAgent,
} from '../../../test/support/jwks-server';
import { AppConfig } from '../../config/app-config';
import { JwksDownloadError } from './jwks-download';
import {
  JWKS_CACHE_TTL_MS,
  JWKS_REFETCH_INTERVAL_MS,
  JwksFetcher,
  JwksNetwork,
} from './jwks-fetcher.service';
import { TestClock } from '../../../test/support/clock';

async function publicJwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256');
  return { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
}

/** A resolver that answers every name with `addresses`, as a hostile DNS server could. */
function answering(...addresses: string[]): LookupFunction {
  return (_hostname, options, callback) => {
    const all: LookupAddress[] = addresses.map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
    if (options.all) callback(null, all);
    else callback(null, all[0].address, all[0].family);
  };
}

describe(JwksFetcher.name, () => {
  let server: HttpsTestServer;
  let served: { keys: JWK[] };
  let network: JwksNetwork;
  let clock: TestClock;

  const fetcher = (allowPrivate: boolean) =>
    new JwksFetcher({ jwksUriAllowPrivate: allowPrivate } as AppConfig, network, clock);
  const failure = (work: Promise<unknown>) =>
    work.then(
      () => undefined,
      (error: Error) => error,
    );

  before(async () => {
    served = { keys: [await publicJwk('k1')] };
    const bigKeys = { keys: [{ kty: 'EC', padding: 'x'.repeat(70 * 1024) }] };
    server = await startHttpsServer((request, response) => {
      const json = (body: unknown, status = 200) =>
        response
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify(body));
      switch (request.url) {
        case '/jwks':
          return json(served);
        case '/redirect':
          return response.writeHead(302, { location: '/jwks' }).end();
        case '/error':
          return json({ error: 'oops' }, 500);
        case '/big':
          return json(bigKeys);
        case '/big-chunked':
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('{"keys":[{"kty":"EC","padding":"');
          for (let i = 0; i < 40; i++) response.write('x'.repeat(2048));
          return response.end('"}]}');
        case '/hang':
          return; // never answers
        case '/not-json':
          return response.writeHead(200).end('<html>hello</html>');
        case '/not-a-set':
          return json([served.keys[0]]);
        case '/private':
          return json({ keys: [{ ...served.keys[0], d: 'AQAB' }] });
        case '/symmetric':
          return json({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] });
        default:
          return json({ error: 'not found' }, 404);
      }
    });
  });
  after(() => server.close());

  beforeEach(() => {
    network = new JwksNetwork();
    network.agent = trustingAgent();
    network.resolve = answering('127.0.0.1');
    clock = new TestClock(Date.now());
    server.requests.length = 0;
    server.connections = 0;
  });
  afterEach(() => {
    network.agent?.destroy();
  });

  describe('caching (OIDC Core §10.1.1)', () => {
    it('fetches the set once and serves it from the cache for five minutes', async () => {
      const sut = fetcher(true);
      expect(await sut.keySet(server.url('/jwks'))).toEqual(served);
      clock.advance(JWKS_CACHE_TTL_MS - 1);
      expect(await sut.keySet(server.url('/jwks'))).toEqual(served);
      expect(server.requests).toEqual(['/jwks']);
    });

    it('fetches again once five minutes have passed', async () => {
      const sut = fetcher(true);
      await sut.keySet(server.url('/jwks'));
      clock.advance(JWKS_CACHE_TTL_MS);
      await sut.keySet(server.url('/jwks'));
      expect(server.requests).toEqual(['/jwks', '/jwks']);
    });

    it('concurrent requests for one URI share one fetch', async () => {
      const sut = fetcher(true);
      const sets = await Promise.all([1, 2, 3].map(() => sut.keySet(server.url('/jwks'))));
      expect(sets).toEqual([served, served, served]);
      expect(server.requests).toEqual(['/jwks']);
    });

    it('an unknown kid refetches, but not within 30 s of the last fetch of that URI', async () => {
      const sut = fetcher(true);
      const uri = server.url('/jwks');
      await sut.keySet(uri);
      const rotated = { keys: [await publicJwk('k2')] };
      const original = served;
      served = rotated;
      try {
        clock.advance(JWKS_REFETCH_INTERVAL_MS - 1);
        expect(await sut.refetched(uri)).toBeUndefined();
        expect(server.requests).toEqual(['/jwks']);

        clock.advance(1);
        expect(await sut.refetched(uri)).toEqual(rotated);
        expect(await sut.keySet(uri)).toEqual(rotated);
        expect(await sut.refetched(uri)).toBeUndefined();
        expect(server.requests).toEqual(['/jwks', '/jwks']);
      } finally {
        served = original;
      }
    });

    it('a failed refetch also counts: the next one waits another 30 s', async () => {
      const sut = fetcher(true);
      const uri = server.url('/jwks', 'jwks.gatehouse.test');
      await sut.keySet(uri);
      network.resolve = (_hostname, _options, callback) => callback(new Error('DNS is down'), '');
      clock.advance(JWKS_REFETCH_INTERVAL_MS);
      expect(await failure(sut.refetched(uri))).toBeInstanceOf(JwksDownloadError);
      expect(await sut.refetched(uri)).toBeUndefined();
      clock.advance(JWKS_REFETCH_INTERVAL_MS);
      expect(await failure(sut.refetched(uri))).toBeInstanceOf(JwksDownloadError);
      expect(server.requests).toEqual(['/jwks']);
    });

    it('a failed fetch is not cached', async () => {
      const sut = fetcher(true);
      await failure(sut.keySet(server.url('/error')));
      await failure(sut.keySet(server.url('/error')));
      expect(server.requests).toEqual(['/error', '/error']);
    });
  });

  describe('what a jwks_uri may answer', () => {
    const refusals: [string, string][] = [
      ['/redirect', 'answered HTTP 302'],
      ['/error', 'answered HTTP 500'],
      ['/big', 'body larger than 65536 bytes'],
      ['/big-chunked', 'body larger than 65536 bytes'],
      ['/not-json', 'body is not JSON'],
      ['/not-a-set', 'the body is not a JWK Set'],
      [
        '/private',
        'the JWK Set must contain public keys only; private key members are not accepted',
      ],
      ['/symmetric', 'the JWK Set key type oct is not an asymmetric key type'],
    ];
    for (const [path, message] of refusals) {
      it(`${path} is refused: ${message}`, async () => {
        const error = await failure(fetcher(true).keySet(server.url(path)));
        expect(error).toBeInstanceOf(JwksDownloadError);
        expect(error?.message).toBe(message);
      });
    }

    it('a redirect is not followed', async () => {
      await failure(fetcher(true).keySet(server.url('/redirect')));
      expect(server.requests).toEqual(['/redirect']);
    });

    it('gives up after 2.5 s without a complete answer', async () => {
      const started = performance.now();
      const error = await failure(fetcher(true).keySet(server.url('/hang')));
      const elapsed = performance.now() - started;
      expect(error?.message).toBe('no answer within 2500 ms');
      expect(elapsed).toBeGreaterThanOrEqual(2_400);
      expect(elapsed).toBeLessThan(3_500);
    });
  });

  describe('where a jwks_uri may point (SSRF)', () => {
    const literals: [string, string][] = [
      ['127.0.0.1', 'a non-public address (loopback)'],
      ['[::1]', 'a non-public address (loopback)'],
      ['[::ffff:127.0.0.1]', 'a non-public address (IPv4-mapped)'],
      ['0.0.0.0', 'a non-public address (unspecified)'],
    ];
    for (const [host, message] of literals) {
      it(`refuses the IP literal ${host} without connecting`, async () => {
        const error = await failure(fetcher(false).keySet(server.url('/jwks', host)));
        expect(error?.message).toBe(message);
        expect(server.connections).toBe(0);
      });
    }

    const answers: [string, string[], string][] = [
      ['127.0.0.1', ['127.0.0.1'], 'loopback'],
      ['::1', ['::1'], 'loopback'],
      ['::ffff:127.0.0.1', ['::ffff:127.0.0.1'], 'IPv4-mapped'],
      ['a public and a loopback address', ['93.184.215.14', '127.0.0.1'], 'loopback'],
      ['10.0.0.5', ['10.0.0.5'], 'private'],
      ['169.254.169.254', ['169.254.169.254'], 'link-local'],
      ['100.64.0.1', ['100.64.0.1'], 'shared address space (CGNAT)'],
    ];
    for (const [what, addresses, range] of answers) {
      it(`refuses a name that resolves to ${what}, without connecting`, async () => {
        network.resolve = answering(...addresses);
        const error = await failure(
          fetcher(false).keySet(server.url('/jwks', 'jwks.gatehouse.test')),
        );
        expect(error).toBeInstanceOf(JwksDownloadError);
        expect(error?.message).toBe(
          `jwks.gatehouse.test resolves to a non-public address (${range})`,
        );
        expect(server.connections).toBe(0);
      });
    }

    it('refuses localhost as the system resolver answers it, without connecting', async () => {
      network.resolve = new JwksNetwork().resolve;
      const error = await failure(fetcher(false).keySet(server.url('/jwks', 'localhost')));
      expect(error?.message).toBe('localhost resolves to a non-public address (loopback)');
      expect(server.connections).toBe(0);
    });

    it('refuses http', async () => {
      const error = await failure(fetcher(false).keySet('http://jwks.example.com/jwks'));
      expect(error?.message).toBe('only https is allowed');
    });

    it('with JWKS_URI_ALLOW_PRIVATE, reaches a name that resolves to loopback', async () => {
      network.resolve = answering('127.0.0.1');
      const sut = fetcher(true);
      expect(await sut.keySet(server.url('/jwks', 'jwks.gatehouse.test'))).toEqual(served);
      expect(server.connections).toBe(1);
    });

    it('with JWKS_URI_ALLOW_PRIVATE, also allows http', async () => {
      const plain = http.createServer((_request, response) =>
        response.writeHead(200).end(JSON.stringify(served)),
      );
      await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
      try {
        const address = plain.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        expect(await fetcher(true).keySet(`http://127.0.0.1:${port}/jwks`)).toEqual(served);
        const error = await failure(fetcher(false).keySet(`http://127.0.0.1:${port}/jwks`));
        expect(error?.message).toBe('only https is allowed');
      } finally {
        await new Promise((resolve) => plain.close(resolve));
      }
    });
  });
});

import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DPOP_NONCE_STEP_S } from '../../src/tokens/dpop/dpop-nonce';
import { TestClock } from '../support/clock';
import {
  authorizeAndGetCode,
  createPublicClient,
  createUser,
  exchangeCode,
} from '../support/code-flow';
import { dpopKey, DpopKey, proof } from '../support/dpop-proofs';
import { startListeningApp } from '../support/listening-app';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One request written byte for byte (latin1) with `Connection: close`, the socket left open for
 * the answer: header values reach the server exactly as given, repeated ones included.
 */
function raw(port: number, head: string[], body = ''): Promise<Answer> {
  const text = [
    ...head,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ];
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(Buffer.from(text.join('\r\n'), 'latin1')),
    );
    socket.setTimeout(15_000, () => socket.destroy(new Error('no answer in 15 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('utf8');
      const split = answer.indexOf('\r\n\r\n');
      if (split === -1) return reject(new Error(`no HTTP answer: ${answer}`));
      const [statusLine, ...lines] = answer.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: answer.slice(split + 4) });
    });
  });
}

const INVALID_PROOF = {
  error: 'invalid_dpop_proof',
  error_description: 'the DPoP proof is invalid',
};
const USE_NONCE = {
  error: 'use_dpop_nonce',
  error_description: 'the DPoP proof must carry the nonce of the DPoP-Nonce header',
};
/** What Node's HTTP parser answers, before any route, to a header value with a control byte. */
const PARSER_REFUSAL = { error: 'Bad Request', message: 'Client Error', statusCode: 400 };

/**
 * Hostile DPoP headers and nonces (RFC 9449 §4.3, §8): every one is a clear 4xx, never a 500 and
 * never a token.
 */
describe('hostile DPoP headers', () => {
  let sut: TestApp;
  let port: number;
  let auth: string;
  let key: DpopKey;
  let bound: string;

  before(async () => {
    const started = await startListeningApp();
    sut = started.sut;
    port = Number(new URL(started.issuer).port);
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'Machine',
      client_type: 'm2m',
    });
    auth = basicAuth(created.json().client_id, created.json().client_secret);
    key = await dpopKey('ES256');
    const spa = await createPublicClient(sut);
    const code = await authorizeAndGetCode(sut, spa, await createUser(sut));
    bound = (await exchangeCode(sut, spa, code, {}, { dpop: await tokenProof() })).json()
      .access_token;
  });
  after(() => sut.close());

  /** A valid proof for this server's /token (its issuer is its own address). */
  const tokenProof = (options: Parameters<typeof proof>[1] = {}) =>
    proof(key, { htu: `${sut.config.issuer}/token`, ...options });

  it('a valid proof over the raw socket gets a token (the baseline of what follows)', async () => {
    const answer = await token([await tokenProof()]);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).token_type).toBe('DPoP');
  });

  const token = (dpop: string[]) =>
    raw(
      port,
      [
        'POST /token HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: ${auth}`,
        'Content-Type: application/x-www-form-urlencoded',
        ...dpop.map((value) => `DPoP: ${value}`),
      ],
      'grant_type=client_credentials',
    );
  const userinfo = (dpop: string[]) =>
    raw(port, [
      'GET /userinfo HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: DPoP ${bound}`,
      ...dpop.map((value) => `DPoP: ${value}`),
    ]);

  for (const [name, value] of [
    ['a NUL byte', 'eyJ\u0000.a.b'],
    ['a NUL byte at the end', 'eyJ.a.b\u0000'],
    ['another control byte', 'eyJ\u0001.a.b'],
  ] as const) {
    it(`a DPoP header with ${name} is refused by the HTTP parser: 400, at /token and /userinfo`, async () => {
      for (const answer of [await token([value]), await userinfo([value])]) {
        expect(answer.status).toBe(400);
        expect(JSON.parse(answer.body)).toEqual(PARSER_REFUSAL);
      }
    });
  }

  it('a DPoP header that is not UTF-8 is 400 invalid_request at the edge', async () => {
    const answer = await token(['eyJ\u00ff.a.b']);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({
      error: 'invalid_request',
      error_description: 'headers.dpop: is not valid UTF-8',
    });
  });

  it('two DPoP headers are 400 invalid_dpop_proof at /token, even two valid proofs', async () => {
    const answer = await token([await tokenProof(), await tokenProof()]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'exactly one DPoP header is allowed',
    });
  });

  it('one proof at /userinfo over the raw socket answers (the baseline of the next test)', async () => {
    const answer = await userinfo([
      await proof(key, { htm: 'GET', htu: `${sut.config.issuer}/userinfo`, accessToken: bound }),
    ]);
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 200,
      body: expect.any(String),
    });
  });

  it('two DPoP headers are 401 invalid_dpop_proof at /userinfo', async () => {
    const forUserinfo = () =>
      proof(key, { htm: 'GET', htu: `${sut.config.issuer}/userinfo`, accessToken: bound });
    const answer = await userinfo([await forUserinfo(), await forUserinfo()]);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual(INVALID_PROOF);
    expect(answer.headers['www-authenticate']).toMatch(
      /^DPoP algs="[^"]+", error="invalid_dpop_proof"/,
    );
  });

  it('an empty DPoP header is refused, not taken for no proof', async () => {
    const answer = await token(['']);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual(INVALID_PROOF);
  });

  for (const size of [4_000, 8_000]) {
    it(`a DPoP header of ${size} characters is 400 invalid_dpop_proof`, async () => {
      for (const value of [
        'x'.repeat(size),
        `${'e'.repeat(size / 2)}.${'e'.repeat(size / 2)}.sig`,
        (await tokenProof({ claims: { pad: 'p'.repeat(size) } })).slice(0, size),
      ]) {
        const answer = await token([value]);
        expect(answer.status).toBe(400);
        expect(JSON.parse(answer.body)).toEqual(INVALID_PROOF);
      }
    });
  }

  it('a valid proof padded to 8 kB with a huge jti is refused for its jti', async () => {
    const answer = await token([await tokenProof({ claims: { jti: 'j'.repeat(6_000) } })]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual(INVALID_PROOF);
  });

  it('a DPoP header past the header size limit is 431 from the HTTP server', async () => {
    const answer = await token(['x'.repeat(20_000)]);
    expect(answer.status).toBe(431);
  });

  for (const [name, nonce] of [
    ['a number', 42],
    ['true', true],
    ['an array', ['a']],
    ['an object', { a: 1 }],
    ['null', null],
  ] as const) {
    it(`a proof whose nonce is ${name} is invalid, even when no nonce is asked for`, async () => {
      const answer = await token([await tokenProof({ nonce })]);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual(INVALID_PROOF);
    });
  }
});

describe('hostile DPoP nonces (DPOP_NONCE=required)', () => {
  let sut: TestApp;
  let ahead: TestApp;
  let key: DpopKey;
  let machine: { client_id: string; client_secret: string };
  const keyEncryptionKey = randomBytes(32).toString('base64');

  before(async () => {
    sut = await startTestApp({ DPOP_NONCE: 'required', KEY_ENCRYPTION_KEY: keyEncryptionKey });
    const clock = new TestClock();
    clock.advance(2 * DPOP_NONCE_STEP_S * 1000);
    ahead = await startTestApp(
      { DPOP_NONCE: 'required', KEY_ENCRYPTION_KEY: keyEncryptionKey },
      { clock },
    );
    machine = (
      await sut.admin('POST', '/admin/clients', { client_name: 'Machine', client_type: 'm2m' })
    ).json();
    key = await dpopKey('EdDSA');
  });
  after(async () => {
    await sut.close();
    await ahead.close();
  });

  const token = (app: TestApp, dpop: string, client = machine) =>
    app.postForm(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.client_id, client.client_secret), dpop },
    );

  it('the nonce handed out is taken (the baseline of what follows)', async () => {
    const nonce = (await token(sut, await proof(key))).headers['dpop-nonce'] as string;
    expect((await token(sut, await proof(key, { nonce }))).statusCode).toBe(200);
  });

  it('a nonce from the future (a clock ahead, same key) is use_dpop_nonce', async () => {
    const aheadMachine = (
      await ahead.admin('POST', '/admin/clients', { client_name: 'Ahead', client_type: 'm2m' })
    ).json();
    const future = (await token(ahead, await proof(key), aheadMachine)).headers[
      'dpop-nonce'
    ] as string;
    expect(future).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const answer = await token(sut, await proof(key, { nonce: future }));
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual(USE_NONCE);
    expect(answer.headers['dpop-nonce']).not.toBe(future);
  });

  for (const [name, nonce] of [
    ['garbage', '!!not a nonce!!'],
    ['a NUL-filled string', '\u0000'.repeat(22)],
    ['22 non-ASCII letters', 'é'.repeat(22)],
    ['a long string', 'n'.repeat(4000)],
    ['a current nonce with a suffix', undefined],
  ] as const) {
    it(`a nonce that is ${name} is 400 use_dpop_nonce with a fresh DPoP-Nonce, never a 500`, async () => {
      const current = (await token(sut, await proof(key))).headers['dpop-nonce'] as string;
      const answer = await token(sut, await proof(key, { nonce: nonce ?? `${current}A` }));
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toEqual(USE_NONCE);
      expect(answer.headers['dpop-nonce']).toBe(current);
    });
  }

  it('a nonce so huge that the proof passes 8,192 characters is refused unread, never a 500', async () => {
    const answer = await token(sut, await proof(key, { nonce: 'n'.repeat(100_000) }));
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'the DPoP proof is invalid',
    });
  });
});

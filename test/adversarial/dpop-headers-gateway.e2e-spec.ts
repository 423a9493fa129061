import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  accessTokenClaims,
  createRole,
  createRule,
  createService,
  signWithServerKey,
} from '../support/access';
import { DpopKey, dpopKey, dpopProof } from '../support/dpop';
import { startListeningApp } from '../support/listening-app';
import { RawAnswer, rawBytes } from '../support/raw-http';
import { TestApp } from '../support/test-app';

const HTU = 'https://api.example.com/api/x';

describe('hostile DPoP headers at the gateway', () => {
  let sut: TestApp;
  let port: number;
  let key: DpopKey;
  let bound: string;

  before(async () => {
    const started = await startListeningApp();
    sut = started.sut;
    port = Number(new URL(started.issuer).port);
    await createRule(sut, { path: '/api/**', permission: 'api:use' });
    const role = await createRole(sut, ['api:use']);
    const clientId = (await createService(sut, 'api:use', [role])).client_id;
    key = await dpopKey('ES256');
    bound = await signWithServerKey(
      sut,
      accessTokenClaims(sut, clientId, { scope: 'api:use', cnf: { jkt: key.jkt } }),
    );
  });
  after(() => sut.close());

  const proof = () => dpopProof(key, { htm: 'GET', htu: HTU, accessToken: bound });
  const head = (dpopLines: string[]) =>
    [
      'GET /access/gateway HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: DPoP ${bound}`,
      'X-Original-Method: GET',
      'X-Original-URI: /api/x',
      'X-Forwarded-Proto: https',
      'X-Forwarded-Host: api.example.com',
      ...dpopLines,
      'Connection: close',
      '',
      '',
    ].join('\r\n');

  /** Answered in the same tick: a token verified before, so that nothing waits (raw-http.ts half-closes). */
  before(async () => {
    const warm = await sut.request({
      method: 'GET',
      url: '/access/gateway',
      headers: {
        authorization: `DPoP ${bound}`,
        dpop: await proof(),
        'x-original-method': 'GET',
        'x-original-uri': '/api/x',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example.com',
      },
    });
    expect(warm.statusCode).toBe(200);
  });

  const ask = (dpopLines: string[]) => rawBytes(port, head(dpopLines));

  function expectMismatch(answer: RawAnswer): void {
    expect({ status: answer.status, body: JSON.parse(answer.body) }).toEqual({
      status: 401,
      body: {
        allowed: false,
        reason: 'binding_mismatch',
        decision_id: answer.headers['x-decision-id'],
      },
    });
    expect(answer.headers['www-authenticate']).toBe(
      'DPoP algs="ES256 RS256 PS256 EdDSA", error="invalid_dpop_proof"',
    );
    expect(answer.headers['x-auth-subject']).toBeUndefined();
  }

  it('a repeated DPoP header is refused, and the good proof among them is not spent', async () => {
    const good = await proof();
    expectMismatch(await ask([`DPoP: ${good}`, `DPoP: ${await proof()}`]));
    expectMismatch(await ask([`DPoP: ${good}`, `DPoP: ${good}`, `DPoP: ${good}`]));
    expect((await ask([`DPoP: ${good}`])).status).toBe(200);
  });

  it('an empty, huge or garbage DPoP header is refused before anything is decoded', async () => {
    for (const value of [
      '',
      'x',
      '...',
      `${'A'.repeat(12_000)}.${'B'.repeat(10)}.${'C'.repeat(10)}`,
      `${Buffer.from('{"typ":"dpop+jwt","alg":"ES256","jwk":'.repeat(200)).toString('base64url')}.e30.AA`,
      `${Buffer.from('[[[[[[[[[['.repeat(700)).toString('base64url')}.e30.AA`,
    ]) {
      expectMismatch(await ask([`DPoP: ${value}`]));
    }
  });

  it('a DPoP header over the server’s header limit is a 431, many of them too', async () => {
    const tooLarge = {
      status: 431,
      body: {
        error: 'Request Header Fields Too Large',
        message: 'Exceeded maximum allowed HTTP header size',
        statusCode: 431,
      },
    };
    const one = await ask([`DPoP: ${'A'.repeat(70_000)}`]);
    expect({ status: one.status, body: JSON.parse(one.body) }).toEqual(tooLarge);
    const good = await proof();
    const many = await ask(Array.from({ length: 50 }, () => `DPoP: ${good}`));
    expect({ status: many.status, body: JSON.parse(many.body) }).toEqual(tooLarge);
  });

  it('NUL and other control bytes are refused by the HTTP parser, bytes that are not UTF-8 at the edge', async () => {
    const good = await proof();
    const clientError = {
      status: 400,
      body: { error: 'Bad Request', message: 'Client Error', statusCode: 400 },
    };
    for (const control of ['\u0000', '\u0001', '\u001b']) {
      const answer = await ask([`DPoP: ${good.slice(0, 10)}${control}${good.slice(10)}`]);
      expect({ status: answer.status, body: JSON.parse(answer.body) }).toEqual(clientError);
    }
    const latin1 = await ask([`DPoP: ${good.slice(0, 10)}\u00ff${good.slice(10)}`]);
    expect({ status: latin1.status, body: JSON.parse(latin1.body) }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'headers.dpop: is not valid UTF-8',
        details: [{ field: 'headers.dpop', problem: 'is not valid UTF-8' }],
      },
    });
    // None of it spent the proof or upset the server.
    expect((await ask([`DPoP: ${good}`])).status).toBe(200);
  });
});

import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from '../support/browser';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Hostile bodies at the passkey ceremonies (docs/passkeys.md): each is a 4xx naming the
 * problem, before any WebAuthn library, database or log line sees it; never a 500.
 */
describe('passkey ceremonies against hostile input', () => {
  let sut: TestApp;
  let browser: TestBrowser;
  let csrf: string;

  before(async () => {
    sut = await startTestApp();
    browser = new TestBrowser(sut);
    await browser.get('/login');
    csrf = browser.cookies.get('gatehouse_csrf')!;
  });

  after(async () => {
    await sut?.close();
  });

  const raw = (url: string, payload: string | Buffer, type = 'application/json') =>
    sut.request({
      method: 'POST',
      url,
      headers: {
        'content-type': type,
        cookie: `gatehouse_csrf=${csrf}; gatehouse_webauthn=${'A'.repeat(43)}`,
      },
      payload,
    });

  const ROUTES = ['/login/passkey', '/login/passkey/options', '/account/passkeys'];

  it('refuses NUL, lone surrogates and __proto__ in any member with 400', async () => {
    const bodies = [
      `{"csrf_token":"${csrf}","response":{"id":"a\\u0000b"}}`,
      `{"csrf_token":"${csrf}","response":{"id":"\\ud800"}}`,
      `{"csrf_token":"${csrf}","__proto__":{"admin":true}}`,
    ];
    for (const url of ROUTES) {
      for (const body of bodies) {
        const answer = await raw(url, body);
        expect({ url, body, status: answer.statusCode }).toEqual({ url, body, status: 400 });
        expect(answer.json()).toMatchObject({ error: 'invalid_request' });
      }
    }
  });

  it('refuses invalid UTF-8 (400), a form body (415) and an array body (400)', async () => {
    for (const url of ROUTES) {
      expect((await raw(url, Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]))).statusCode).toBe(
        400,
      );
      expect(
        (await raw(url, `csrf_token=${csrf}`, 'application/x-www-form-urlencoded')).statusCode,
      ).toBe(415);
      const array = await raw(url, `[{"csrf_token":"${csrf}"}]`);
      expect(array.statusCode).toBe(400);
      expect(array.json()).toEqual({
        error: 'invalid_request',
        message: 'body: must be a JSON object',
        details: [{ field: 'body', problem: 'must be a JSON object' }],
      });
    }
  });

  it('refuses members of the wrong type where strings belong, naming them', async () => {
    const answer = await raw(
      '/login/passkey',
      JSON.stringify({
        csrf_token: csrf,
        interaction: ['a', 'b'],
        response: { id: 'x' },
      }),
    );
    expect(answer.statusCode).toBe(400);
    expect(answer.json().details).toEqual([
      { field: 'interaction', problem: 'must be a string of at most 64 characters' },
    ]);
  });

  it('answers a well-formed assertion against a forged ceremony cookie with no ceremony, not a 500', async () => {
    const answer = await raw(
      '/login/passkey',
      JSON.stringify({
        csrf_token: csrf,
        response: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
        },
      }),
    );
    expect(answer.statusCode).toBe(400);
    expect(answer.json().details).toEqual([
      { field: 'response', problem: 'answers no passkey ceremony of this browser: start again' },
    ]);
  });
});

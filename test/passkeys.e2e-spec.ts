import { expect } from 'expect';
import { after, before, beforeEach, describe, it } from 'node:test';
import { BrowserResponse, TestBrowser } from './support/browser';
import {
  createClient,
  createUser,
  dataSource,
  exchangeCode,
  hiddenFields,
  pkcePair,
  REDIRECT_URI,
  TestClient,
  TestUser,
} from './support/code-flow';
import { TestClock } from './support/clock';
import { SoftAuthenticator } from './support/soft-authenticator';
import { startTestApp, TestApp } from './support/test-app';

const ORIGIN = 'http://localhost:3000';
const NOT_ACCEPTED = {
  error: 'invalid_request',
  message: 'response: was not accepted',
  details: [{ field: 'response', problem: 'was not accepted' }],
};
const NO_CEREMONY = {
  error: 'invalid_request',
  message: 'response: answers no passkey ceremony of this browser: start again',
  details: [
    { field: 'response', problem: 'answers no passkey ceremony of this browser: start again' },
  ],
};

/** A browser signed in with the password, holding its CSRF token. */
async function signedInBrowser(sut: TestApp, user: TestUser) {
  const browser = new TestBrowser(sut);
  const page = await browser.get('/login');
  const login = await browser.post('/login', {
    ...hiddenFields(page.body),
    username: user.username,
    password: user.password,
  });
  expect(login.statusCode).toBe(303);
  const passkeys = await browser.get('/account/passkeys');
  expect(passkeys.statusCode).toBe(200);
  return { browser, csrf: /data-csrf="([^"]+)"/.exec(passkeys.body)![1] };
}

/** A browser on the login page: its CSRF token, no session. */
async function loginPageBrowser(sut: TestApp, path = '/login') {
  const browser = new TestBrowser(sut);
  const page = await browser.get(path);
  expect(page.statusCode).toBe(200);
  const csrf = /data-csrf="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error('no passkey button on the login page');
  return { browser, csrf, page };
}

/** Enrols a passkey of `authenticator` for the signed-in person. */
async function enrol(
  browser: TestBrowser,
  csrf: string,
  authenticator: SoftAuthenticator,
  name = 'Laptop',
): Promise<BrowserResponse> {
  const options = await browser.postJson('/account/passkeys/options', { csrf_token: csrf });
  expect(options.statusCode).toBe(200);
  const response = authenticator.register(JSON.parse(options.body));
  return browser.postJson('/account/passkeys', { csrf_token: csrf, name, response });
}

async function signInOptions(browser: TestBrowser, csrf: string) {
  const options = await browser.postJson('/login/passkey/options', { csrf_token: csrf });
  expect(options.statusCode).toBe(200);
  return JSON.parse(options.body) as { challenge: string; rpId: string };
}

function idTokenClaims(idToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString('utf8'));
}

interface AuditRow {
  type: string;
  outcome: string;
  actor_type: string;
  details: Record<string, unknown>;
}

async function auditEvents(sut: TestApp, type: string, userId: string): Promise<AuditRow[]> {
  return dataSource(sut).query<AuditRow[]>(
    `SELECT type, outcome, actor_type, target_id, details FROM audit_events
     WHERE type = $1 AND target_id = $2 ORDER BY occurred_at`,
    [type, userId],
  );
}

describe('passkeys (WebAuthn) through the JSON ceremonies', () => {
  let sut: TestApp;
  let clock: TestClock;
  let client: TestClient;

  before(async () => {
    clock = new TestClock();
    sut = await startTestApp({}, { clock });
    client = await createClient(sut);
  });

  after(async () => {
    await sut?.close();
  });

  describe('enrolment', () => {
    let user: TestUser;
    beforeEach(async () => {
      user = await createUser(sut);
    });

    it('keeps a passkey proven by a none attestation, lists it and audits passkey.registered', async () => {
      const { browser, csrf } = await signedInBrowser(sut, user);
      const authenticator = new SoftAuthenticator({ origin: ORIGIN });
      const added = await enrol(browser, csrf, authenticator, 'Laptop');
      expect(added.statusCode).toBe(201);
      expect(JSON.parse(added.body)).toEqual({
        id: expect.any(String),
        name: 'Laptop',
        redirect: '/account/passkeys?notice=added',
      });
      const page = await browser.get('/account/passkeys?notice=added');
      expect(page.body).toContain('<strong>Laptop</strong>');
      expect(page.body).toContain('The passkey was added.');
      expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");

      const listed = await sut.admin('GET', `/admin/users/${user.id}/passkeys`);
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toEqual([
        {
          id: JSON.parse(added.body).id,
          name: 'Laptop',
          credential_id: authenticator.credentials[0].id.toString('base64url'),
          device_type: 'singleDevice',
          backed_up: false,
          transports: ['internal'],
          sign_count: 0,
          created_at: expect.any(String),
          last_used_at: null,
        },
      ]);
      expect(await auditEvents(sut, 'passkey.registered', user.id)).toEqual([
        expect.objectContaining({ outcome: 'success', actor_type: 'user' }),
      ]);
    });

    it('options offer the person, exclude their passkeys, and require a discoverable, verified credential', async () => {
      const { browser, csrf } = await signedInBrowser(sut, user);
      expect(
        (await enrol(browser, csrf, new SoftAuthenticator({ origin: ORIGIN }))).statusCode,
      ).toBe(201);
      const options = await browser.postJson('/account/passkeys/options', { csrf_token: csrf });
      expect(options.headers['cache-control']).toBe('no-store');
      const body = JSON.parse(options.body);
      expect(body).toMatchObject({
        rp: { id: 'localhost', name: 'Gatehouse' },
        user: { id: Buffer.from(user.id).toString('base64url'), name: user.username },
        attestation: 'none',
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      expect(body.excludeCredentials).toHaveLength(1);
      expect(body.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('refuses an attestation made for another origin or RP ID, and keeps nothing', async () => {
      const { browser, csrf } = await signedInBrowser(sut, user);
      for (const override of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
        const options = await browser.postJson('/account/passkeys/options', { csrf_token: csrf });
        const response = new SoftAuthenticator({ origin: ORIGIN }).register(
          JSON.parse(options.body),
          override,
        );
        const answer = await browser.postJson('/account/passkeys', { csrf_token: csrf, response });
        expect(answer.statusCode).toBe(400);
        expect(JSON.parse(answer.body)).toEqual({
          error: 'invalid_request',
          message: 'response: is not a valid passkey registration for this site',
          details: [
            { field: 'response', problem: 'is not a valid passkey registration for this site' },
          ],
        });
      }
      expect((await sut.admin('GET', `/admin/users/${user.id}/passkeys`)).json()).toEqual([]);
    });

    it('refuses a registration without its ceremony, or with the challenge used once already', async () => {
      const { browser, csrf } = await signedInBrowser(sut, user);
      const options = await browser.postJson('/account/passkeys/options', { csrf_token: csrf });
      const response = new SoftAuthenticator({ origin: ORIGIN }).register(JSON.parse(options.body));
      const first = await browser.postJson('/account/passkeys', { csrf_token: csrf, response });
      expect(first.statusCode).toBe(201);
      // The challenge went with the first answer; the cookie is cleared too.
      const stranger = new TestBrowser(sut);
      for (const [key, value] of browser.cookies) stranger.cookies.set(key, value);
      const again = await browser.postJson('/account/passkeys', { csrf_token: csrf, response });
      expect(again.statusCode).toBe(400);
      expect(JSON.parse(again.body)).toEqual(NO_CEREMONY);
    });

    it('refuses without the CSRF token (403), without a session (401), and after the re-authentication window (403)', async () => {
      const { browser, csrf } = await signedInBrowser(sut, user);
      const noCsrf = await browser.postJson('/account/passkeys/options', {});
      expect(noCsrf.statusCode).toBe(403);
      expect(JSON.parse(noCsrf.body)).toEqual({
        error: 'forbidden',
        message: 'the page expired: reload it and try again',
      });

      const anonymous = await loginPageBrowser(sut);
      const noSession = await anonymous.browser.postJson('/account/passkeys/options', {
        csrf_token: anonymous.csrf,
      });
      expect(noSession.statusCode).toBe(401);

      clock.advance(11 * 60 * 1000);
      try {
        const stale = await browser.postJson('/account/passkeys/options', { csrf_token: csrf });
        expect(stale.statusCode).toBe(403);
        expect(JSON.parse(stale.body)).toEqual({
          error: 'forbidden',
          message: 'sign in again to change your passkeys',
        });
        const page = await browser.get('/account/passkeys');
        expect(page.body).toContain('To add, rename or remove passkeys, sign in again first.');
        expect(page.body).not.toContain('data-passkey-register');
        const again = await browser.post('/account/passkeys/sign-in-again', { csrf_token: csrf });
        expect(again.statusCode).toBe(303);
        expect(again.location).toBe('/login?then=security');
        expect(browser.cookies.has('gatehouse_session')).toBe(false);
      } finally {
        clock.advance(-11 * 60 * 1000);
      }
    });

    it('bounds every member: oversized, misshapen and hostile bodies are 400 naming the member', async () => {
      const { browser, csrf } = await signedInBrowser(sut, user);
      const options = await browser.postJson('/account/passkeys/options', { csrf_token: csrf });
      const good = new SoftAuthenticator({ origin: ORIGIN }).register(JSON.parse(options.body));
      const cases: Array<[unknown, { field: string; problem: string }]> = [
        [
          { ...good, response: { ...good.response, clientDataJSON: 'A'.repeat(5000) } },
          { field: 'response.response.clientDataJSON', problem: 'must be 1 to 4096 characters' },
        ],
        [
          { ...good, response: { ...good.response, attestationObject: 'a+b/' } },
          {
            field: 'response.response.attestationObject',
            problem: 'must be base64url without padding',
          },
        ],
        [
          { ...good, rawId: 'other' },
          { field: 'response.rawId', problem: 'must equal response.id' },
        ],
        [
          { ...good, type: 'password' },
          { field: 'response.type', problem: 'must be "public-key"' },
        ],
        [
          { ...good, response: ['x'] },
          { field: 'response.response', problem: 'must be an object' },
        ],
        [
          { ...good, response: { ...good.response, transports: new Array(50).fill('usb') } },
          {
            field: 'response.response.transports',
            problem: 'must be an array of at most 7 strings',
          },
        ],
        ['not an object', { field: 'response', problem: 'must be an object' }],
      ];
      for (const [response, problem] of cases) {
        const answer = await browser.postJson('/account/passkeys', { csrf_token: csrf, response });
        expect(answer.statusCode).toBe(400);
        expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
        // The first problem named is the member at fault (later ones follow from it).
        expect(JSON.parse(answer.body).details[0]).toEqual(problem);
      }
      const longName = await browser.postJson('/account/passkeys', {
        csrf_token: csrf,
        name: 'n'.repeat(65),
        response: good,
      });
      expect(JSON.parse(longName.body)).toMatchObject({
        details: [{ field: 'name', problem: 'must be 1 to 64 characters' }],
      });
      // Past BODY_LIMIT the body is not read at all.
      const huge = await browser.postJson('/account/passkeys', {
        csrf_token: csrf,
        response: { ...good, id: 'A'.repeat(200_000) },
      });
      expect(huge.statusCode).toBe(413);
      expect(JSON.parse(huge.body)).toMatchObject({ error: 'invalid_request' });
      // The well-formed answer still works: refusing bad input used no challenge.
      const added = await browser.postJson('/account/passkeys', {
        csrf_token: csrf,
        response: good,
      });
      expect(added.statusCode).toBe(201);
    });

    it('answers 30,000-deep JSON with 400 and a POST without a JSON body with 415, never 500', async () => {
      const { browser } = await signedInBrowser(sut, user);
      const deep = `{"csrf_token":"x","response":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
      for (const url of ['/account/passkeys', '/login/passkey', '/login/passkey/options']) {
        const nested = await sut.request({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json' },
          payload: deep,
        });
        expect(nested.statusCode).toBe(400);
        expect(nested.json()).toMatchObject({ error: 'invalid_request' });
        const bodiless = await browser.postJson(url, undefined);
        expect(bodiless.statusCode).toBe(415);
      }
    });
  });

  describe('passwordless sign-in', () => {
    let user: TestUser;
    let authenticator: SoftAuthenticator;
    let owner: { browser: TestBrowser; csrf: string };

    beforeEach(async () => {
      user = await createUser(sut);
      authenticator = new SoftAuthenticator({ origin: ORIGIN });
      // Signed in before the first passkey: with one, the password leads to the second factor.
      owner = await signedInBrowser(sut, user);
      expect((await enrol(owner.browser, owner.csrf, authenticator)).statusCode).toBe(201);
    });

    it('continues /authorize to a code and an ID token whose amr says hwk, user and mfa', async () => {
      const pkce = pkcePair();
      const browser = new TestBrowser(sut);
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: REDIRECT_URI,
        scope: 'openid profile',
        state: 'st',
        nonce: 'n-0S6',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      });
      const authorize = await browser.get(`/authorize?${query.toString()}`);
      expect(authorize.location).toMatch(/^\/login\?/);
      const login = await browser.get(authorize.location!);
      expect(String(login.headers['content-security-policy'])).toBe(
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
      );
      const interaction = new URL(authorize.location!, ORIGIN).searchParams.get('interaction')!;
      expect(login.body).toContain(`data-interaction="${interaction}"`);
      const csrf = /data-csrf="([^"]+)"/.exec(login.body)![1];

      const options = await signInOptions(browser, csrf);
      expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
      expect(options).not.toHaveProperty('allowCredentials.0');
      const signedIn = await browser.postJson('/login/passkey', {
        csrf_token: csrf,
        interaction,
        response: authenticator.assert(options),
      });
      expect(signedIn.statusCode).toBe(200);
      expect(signedIn.headers['cache-control']).toBe('no-store');
      const redirect = JSON.parse(signedIn.body).redirect as string;
      expect(redirect).toBe(`/authorize/continue?interaction=${interaction}`);

      let step = await browser.get(redirect);
      if (step.location?.startsWith('/consent?')) {
        const consent = await browser.get(step.location);
        step = await browser.post('/consent', { ...hiddenFields(consent.body), decision: 'allow' });
      }
      const callback = new URL(step.location!);
      const code = callback.searchParams.get('code')!;
      const tokens = await exchangeCode(sut, client, { code, verifier: pkce.verifier });
      expect(tokens.statusCode).toBe(200);
      expect(idTokenClaims(tokens.json().id_token)).toMatchObject({
        sub: user.id,
        nonce: 'n-0S6',
        amr: ['hwk', 'user', 'mfa'],
      });
      const events = await auditEvents(sut, 'login.succeeded', user.id);
      expect(events.at(-1)?.details).toEqual({ amr: ['hwk', 'user', 'mfa'] });
    });

    it('a synced passkey signs in with swk; without an interaction the person lands on /account', async () => {
      const synced = new SoftAuthenticator({ origin: ORIGIN, synced: true });
      expect((await enrol(owner.browser, owner.csrf, synced, 'Phone')).statusCode).toBe(201);
      const { browser, csrf } = await loginPageBrowser(sut);
      const options = await signInOptions(browser, csrf);
      const answer = await browser.postJson('/login/passkey', {
        csrf_token: csrf,
        response: synced.assert(options),
      });
      expect(JSON.parse(answer.body)).toEqual({ redirect: '/account' });
      expect(browser.cookies.has('gatehouse_session')).toBe(true);
      const events = await auditEvents(sut, 'login.succeeded', user.id);
      expect(events.at(-1)?.details).toEqual({ amr: ['swk', 'user', 'mfa'] });
      const listed = (await sut.admin('GET', `/admin/users/${user.id}/passkeys`)).json();
      expect(listed.find((p: { name: string }) => p.name === 'Phone')).toMatchObject({
        device_type: 'multiDevice',
        backed_up: true,
        sign_count: 1,
        last_used_at: expect.any(String),
      });
    });

    it('refuses an assertion for another origin, another RP ID or of the wrong type, and audits why', async () => {
      const cases = [
        [{ origin: 'https://evil.example' }, 'wrong_origin'],
        [{ rpId: 'evil.example' }, 'wrong_rp_id'],
        [{ type: 'webauthn.create' }, 'invalid_assertion'],
      ] as const;
      for (const [override, reason] of cases) {
        const { browser, csrf } = await loginPageBrowser(sut);
        const options = await signInOptions(browser, csrf);
        const answer = await browser.postJson('/login/passkey', {
          csrf_token: csrf,
          response: authenticator.assert(options, override),
        });
        expect(answer.statusCode).toBe(400);
        expect(JSON.parse(answer.body)).toEqual(NOT_ACCEPTED);
        expect(browser.cookies.has('gatehouse_session')).toBe(false);
        const failed = await auditEvents(sut, 'login.failed', user.id);
        expect(failed.at(-1)).toMatchObject({
          outcome: 'failure',
          details: { method: 'passkey', reason },
        });
      }
    });

    it('refuses a tampered signature and an unknown credential with the same answer', async () => {
      const { browser, csrf } = await loginPageBrowser(sut);
      const options = await signInOptions(browser, csrf);
      const assertion = authenticator.assert(options);
      const signature = Buffer.from(assertion.response.signature, 'base64url');
      signature[signature.length - 1] ^= 0xff;
      const tampered = await browser.postJson('/login/passkey', {
        csrf_token: csrf,
        response: {
          ...assertion,
          response: { ...assertion.response, signature: signature.toString('base64url') },
        },
      });
      expect(tampered.statusCode).toBe(400);
      expect(JSON.parse(tampered.body)).toEqual(NOT_ACCEPTED);

      const stranger = new SoftAuthenticator({ origin: ORIGIN });
      stranger.register({ challenge: 'x', rp: { id: 'localhost' }, user: { id: 'nobody' } });
      const again = await signInOptions(browser, csrf);
      const unknown = await browser.postJson('/login/passkey', {
        csrf_token: csrf,
        response: stranger.assert(again),
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body).toBe(tampered.body);
    });

    it('refuses a reused challenge: replaying a good assertion gets no session', async () => {
      const { browser, csrf } = await loginPageBrowser(sut);
      const options = await signInOptions(browser, csrf);
      const response = authenticator.assert(options);
      const ceremony = browser.cookies.get('gatehouse_webauthn')!;
      const first = await browser.postJson('/login/passkey', { csrf_token: csrf, response });
      expect(first.statusCode).toBe(200);

      const replayer = new TestBrowser(sut);
      replayer.cookies.set('gatehouse_csrf', browser.cookies.get('gatehouse_csrf')!);
      replayer.cookies.set('gatehouse_webauthn', ceremony);
      const replay = await replayer.postJson('/login/passkey', { csrf_token: csrf, response });
      expect(replay.statusCode).toBe(400);
      expect(JSON.parse(replay.body)).toEqual(NO_CEREMONY);
      expect(replayer.cookies.has('gatehouse_session')).toBe(false);
    });

    it('refuses a challenge that is not bound to this browser, or that expired', async () => {
      const { browser, csrf } = await loginPageBrowser(sut);
      const options = await signInOptions(browser, csrf);
      const other = await loginPageBrowser(sut);
      const elsewhere = await other.browser.postJson('/login/passkey', {
        csrf_token: other.csrf,
        response: authenticator.assert(options),
      });
      expect(JSON.parse(elsewhere.body)).toEqual(NO_CEREMONY);

      const late = await signInOptions(browser, csrf);
      clock.advance(3 * 60 * 1000);
      try {
        const expired = await browser.postJson('/login/passkey', {
          csrf_token: csrf,
          response: authenticator.assert(late),
        });
        expect(JSON.parse(expired.body)).toEqual(NO_CEREMONY);
      } finally {
        clock.advance(-3 * 60 * 1000);
      }
    });

    it('refuses a counter that went back (a cloned authenticator) and audits passkey.counter_regressed', async () => {
      const { browser, csrf } = await loginPageBrowser(sut);
      const good = await browser.postJson('/login/passkey', {
        csrf_token: csrf,
        response: authenticator.assert(await signInOptions(browser, csrf), { counter: 5 }),
      });
      expect(good.statusCode).toBe(200);
      const clone = await browser.postJson('/login/passkey', {
        csrf_token: csrf,
        response: authenticator.assert(await signInOptions(browser, csrf), { counter: 5 }),
      });
      expect(clone.statusCode).toBe(400);
      expect(JSON.parse(clone.body)).toEqual(NOT_ACCEPTED);
      const regressions = await auditEvents(sut, 'passkey.counter_regressed', user.id);
      expect(regressions).toEqual([
        expect.objectContaining({
          outcome: 'failure',
          details: { passkey_id: expect.any(String), stored: 5, received: 5 },
        }),
      ]);
    });

    it('refuses an assertion without user verification, and one whose user handle names someone else', async () => {
      const { browser, csrf } = await loginPageBrowser(sut);
      const unverified = new SoftAuthenticator({ origin: ORIGIN, userVerified: false });
      unverified.credentials.push(authenticator.credentials[0]);
      const noUv = await browser.postJson('/login/passkey', {
        csrf_token: csrf,
        response: unverified.assert(await signInOptions(browser, csrf)),
      });
      expect(JSON.parse(noUv.body)).toEqual(NOT_ACCEPTED);
      const handle = await browser.postJson('/login/passkey', {
        csrf_token: csrf,
        response: authenticator.assert(await signInOptions(browser, csrf), {
          userHandle: Buffer.from('00000000-0000-4000-8000-000000000000').toString('base64url'),
        }),
      });
      expect(JSON.parse(handle.body)).toEqual(NOT_ACCEPTED);
      const reasons = (await auditEvents(sut, 'login.failed', user.id)).map(
        (e) => e.details.reason,
      );
      expect(reasons.slice(-2)).toEqual(['user_not_verified', 'user_handle_mismatch']);
    });

    it('refuses a disabled person, and the options ask nothing without the CSRF token', async () => {
      const noCsrf = await new TestBrowser(sut).postJson('/login/passkey/options', {});
      expect(noCsrf.statusCode).toBe(403);
      expect(
        (await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' })).statusCode,
      ).toBe(200);
      const { browser, csrf } = await loginPageBrowser(sut);
      const answer = await browser.postJson('/login/passkey', {
        csrf_token: csrf,
        response: authenticator.assert(await signInOptions(browser, csrf)),
      });
      expect(JSON.parse(answer.body)).toEqual(NOT_ACCEPTED);
    });
  });

  describe('as the second factor after the password', () => {
    it('offers "Use a passkey" on the step; the person\'s own passkey completes it with pwd, hwk, user, mfa', async () => {
      const user = await createUser(sut);
      const authenticator = new SoftAuthenticator({ origin: ORIGIN, userVerified: false });
      const enrolled = await signedInBrowser(sut, user);
      // Enrolment itself needs user verification; this authenticator then asserts without it.
      const verifying = new SoftAuthenticator({ origin: ORIGIN });
      expect((await enrol(enrolled.browser, enrolled.csrf, verifying)).statusCode).toBe(201);
      authenticator.credentials.push(verifying.credentials[0]);
      const stranger = await createUser(sut);
      const theirs = new SoftAuthenticator({ origin: ORIGIN });
      const other = await signedInBrowser(sut, stranger);
      expect((await enrol(other.browser, other.csrf, theirs)).statusCode).toBe(201);

      const browser = new TestBrowser(sut);
      const login = await browser.get('/login');
      const password = await browser.post('/login', {
        ...hiddenFields(login.body),
        username: user.username,
        password: user.password,
      });
      expect(password.location).toMatch(/^\/login\/second-factor/);
      expect(browser.cookies.has('gatehouse_session')).toBe(false);
      const step = await browser.get(password.location!);
      expect(step.statusCode).toBe(200);
      expect(step.body).toContain('Use a passkey');
      // No authenticator app: the page does not ask for its code.
      expect(step.body).toContain('Confirm it is you with one of the ways below');
      expect(step.body).not.toContain('authenticator app');
      expect(String(step.headers['content-security-policy'])).toContain("script-src 'self'");
      const csrf = /data-passkey-second-factor[^>]*data-csrf="([^"]+)"/s.exec(step.body)![1];

      const options = await browser.postJson('/login/second-factor/passkey/options', {
        csrf_token: csrf,
      });
      expect(options.statusCode).toBe(200);
      const requested = JSON.parse(options.body);
      expect(requested).toMatchObject({ userVerification: 'preferred' });
      expect(requested.allowCredentials).toEqual([
        {
          id: verifying.credentials[0].id.toString('base64url'),
          type: 'public-key',
          transports: ['internal'],
        },
      ]);
      // Another account's passkey is refused, and the step stays open.
      const foreign = await browser.postJson('/login/second-factor/passkey', {
        csrf_token: csrf,
        response: theirs.assert(requested),
      });
      expect(foreign.statusCode).toBe(400);
      expect(JSON.parse(foreign.body)).toEqual(NOT_ACCEPTED);

      const again = JSON.parse(
        (await browser.postJson('/login/second-factor/passkey/options', { csrf_token: csrf })).body,
      );
      const done = await browser.postJson('/login/second-factor/passkey', {
        csrf_token: csrf,
        response: authenticator.assert(again),
      });
      expect(done.statusCode).toBe(200);
      expect(JSON.parse(done.body)).toEqual({ redirect: '/account' });
      expect(browser.cookies.has('gatehouse_session')).toBe(true);
      const events = await auditEvents(sut, 'login.succeeded', user.id);
      expect(events.at(-1)?.details).toEqual({ amr: ['pwd', 'hwk', 'user', 'mfa'] });
      const failed = await auditEvents(sut, 'second_factor.failed', user.id);
      expect(failed.at(-1)?.details).toEqual({ kind: 'passkey', reason: 'other_user' });

      // The pending sign-in is gone: the step cannot be completed twice.
      const twice = await browser.postJson('/login/second-factor/passkey/options', {
        csrf_token: csrf,
      });
      expect(twice.statusCode).toBe(401);
    });
  });

  describe('the account page and the admin API', () => {
    it('renames and removes with forms (303), audited; another person\'s passkey is "missing"', async () => {
      const user = await createUser(sut);
      const other = await createUser(sut);
      const { browser, csrf } = await signedInBrowser(sut, user);
      const added = JSON.parse(
        (await enrol(browser, csrf, new SoftAuthenticator({ origin: ORIGIN }))).body,
      );
      const theirs = await signedInBrowser(sut, other);
      const foreign = JSON.parse(
        (await enrol(theirs.browser, theirs.csrf, new SoftAuthenticator({ origin: ORIGIN }))).body,
      );

      const renamed = await browser.post(`/account/passkeys/${added.id}/rename`, {
        csrf_token: csrf,
        name: 'Work laptop',
      });
      expect(renamed.statusCode).toBe(303);
      expect(renamed.location).toBe('/account/passkeys?notice=renamed');
      const blank = await browser.post(`/account/passkeys/${added.id}/rename`, {
        csrf_token: csrf,
        name: '   ',
      });
      expect(blank.location).toBe('/account/passkeys?error=name');
      const noCsrf = await browser.post(`/account/passkeys/${added.id}/delete`, {});
      expect(noCsrf.location).toBe('/account/passkeys?error=csrf');
      const notMine = await browser.post(`/account/passkeys/${foreign.id}/delete`, {
        csrf_token: csrf,
      });
      expect(notMine.location).toBe('/account/passkeys?error=missing');
      expect((await sut.admin('GET', `/admin/users/${other.id}/passkeys`)).json()).toHaveLength(1);

      const removed = await browser.post(`/account/passkeys/${added.id}/delete`, {
        csrf_token: csrf,
      });
      expect(removed.location).toBe('/account/passkeys?notice=removed');
      expect((await sut.admin('GET', `/admin/users/${user.id}/passkeys`)).json()).toEqual([]);
      expect((await auditEvents(sut, 'passkey.renamed', user.id))[0].details).toEqual({
        passkey_id: added.id,
        name: 'Work laptop',
      });
      expect(await auditEvents(sut, 'passkey.removed', user.id)).toEqual([
        expect.objectContaining({
          actor_type: 'user',
          details: { passkey_id: added.id, name: 'Work laptop' },
        }),
      ]);
    });

    it('GET /account/passkeys without a session goes to /login; the admin removes a passkey (204, audited) and 404s after', async () => {
      const page = await new TestBrowser(sut).get('/account/passkeys');
      expect(page.statusCode).toBe(303);
      expect(page.location).toBe('/login');

      const user = await createUser(sut);
      const { browser, csrf } = await signedInBrowser(sut, user);
      const added = JSON.parse(
        (await enrol(browser, csrf, new SoftAuthenticator({ origin: ORIGIN }))).body,
      );
      const removed = await sut.admin('DELETE', `/admin/users/${user.id}/passkeys/${added.id}`);
      expect(removed.statusCode).toBe(204);
      const again = await sut.admin('DELETE', `/admin/users/${user.id}/passkeys/${added.id}`);
      expect(again.statusCode).toBe(404);
      expect(again.json()).toEqual({
        error: 'not_found',
        message: `passkey ${added.id} not found`,
      });
      const unknownUser = await sut.admin(
        'GET',
        '/admin/users/00000000-0000-4000-8000-000000000000/passkeys',
      );
      expect(unknownUser.statusCode).toBe(404);
      const anonymous = await sut.request({
        method: 'GET',
        url: `/admin/users/${user.id}/passkeys`,
      });
      expect(anonymous.statusCode).toBe(401);
      expect(await auditEvents(sut, 'passkey.removed', user.id)).toEqual([
        expect.objectContaining({
          actor_type: 'client',
          details: { passkey_id: added.id, name: 'Laptop' },
        }),
      ]);
    });

    it('documents the admin routes in the OpenAPI document, behind the bearer token', async () => {
      const document = (await sut.request({ method: 'GET', url: '/docs-json' })).json();
      const list = document.paths['/admin/users/{id}/passkeys'].get;
      const remove = document.paths['/admin/users/{id}/passkeys/{passkeyId}'].delete;
      expect(list.security).toEqual([{ bearer: [] }]);
      expect(remove.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '401', '403', '404']);
      expect(Object.keys(remove.responses).sort()).toEqual(['204', '400', '401', '403', '404']);
      expect(Object.keys(document.components.schemas.PasskeyView.properties).sort()).toEqual([
        'backed_up',
        'created_at',
        'credential_id',
        'device_type',
        'id',
        'last_used_at',
        'name',
        'sign_count',
        'transports',
      ]);
    });

    it('lists the passkeys on /account/security, with the way to manage them', async () => {
      const user = await createUser(sut);
      const { browser, csrf } = await signedInBrowser(sut, user);
      const none = await browser.get('/account/security');
      expect(none.statusCode).toBe(200);
      expect(none.body).toContain('<h2>Passkeys</h2>');
      expect(none.body).toContain('You have no passkeys.');
      await enrol(browser, csrf, new SoftAuthenticator({ origin: ORIGIN }), 'Desk <key>');
      const some = await browser.get('/account/security');
      expect(some.body).toContain('<li>Desk &lt;key&gt;</li>');
      expect(some.body).toContain('<a href="/account/passkeys">Manage passkeys</a>');
    });

    it('serves the scripts from our origin, and the login page says passkeys need JavaScript', async () => {
      for (const path of ['/assets/passkeys.js', '/assets/webauthn-browser.js']) {
        const script = await sut.request({ method: 'GET', url: path });
        expect(script.statusCode).toBe(200);
        expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
        expect(script.headers['x-content-type-options']).toBe('nosniff');
      }
      const { page } = await loginPageBrowser(sut);
      expect(page.body).toContain('Passkeys need JavaScript, which is off in this browser.');
      expect(page.body).not.toMatch(/<script>/);
    });
  });
});

describe('passkeys off: an issuer on an IP address has no RP ID', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ ISSUER: 'http://127.0.0.1:3000' });
  });
  after(async () => {
    await sut?.close();
  });

  it('the login page offers no passkey and keeps the script-free CSP; the endpoints are 404', async () => {
    const page = await sut.request({ method: 'GET', url: '/login' });
    expect(page.body).not.toContain('data-passkey-sign-in');
    expect(String(page.headers['content-security-policy'])).not.toContain('script-src');
    const browser = new TestBrowser(sut);
    await browser.get('/login');
    const options = await browser.postJson('/login/passkey/options', {
      csrf_token: browser.cookies.get('gatehouse_csrf'),
    });
    expect(options.statusCode).toBe(404);
  });
});

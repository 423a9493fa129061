import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from '../support/browser';
import { createUser, hiddenFields, TestUser } from '../support/code-flow';
import { TestClock } from '../support/clock';
import { auditOf, enrolTotp, signInWithPassword, totpCode } from '../support/second-factors';
import { formBody, startTestApp, TestApp } from '../support/test-app';

/**
 * The second-factor step under attack (docs/second-factors.md): hostile `otp` values, a
 * tampered or borrowed pending sign-in cookie. Each gets a page or a redirect, never a 500,
 * signs nobody in, and wrong codes are counted against the account.
 */
describe('adversarial: the second-factor step', () => {
  let sut: TestApp;
  const clock = new TestClock();
  let user: TestUser;
  let secret: string;

  before(async () => {
    sut = await startTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000' }, { clock });
    user = await createUser(sut);
    ({ secret } = await enrolTotp(await signInWithPassword(sut, user), clock));
    clock.advance(30_000);
  });
  after(() => sut.close());

  /** A browser past the password, on the second-factor page: its hidden fields. */
  const pastPassword = async (): Promise<{
    browser: TestBrowser;
    fields: Record<string, string>;
  }> => {
    const browser = new TestBrowser(sut);
    const login = await browser.get('/login');
    const answer = await browser.post('/login', {
      ...hiddenFields(login.body),
      username: user.username,
      password: user.password,
    });
    expect(answer.location).toBe('/login/second-factor');
    const page = await browser.get('/login/second-factor');
    return { browser, fields: hiddenFields(page.body) };
  };

  const signedIn = async (browser: TestBrowser) =>
    (await browser.get('/account')).statusCode === 200;

  it('a NUL byte in a code is refused at the edge with a 400 page, before the code is read', async () => {
    const { browser, fields } = await pastPassword();
    const before = (await auditOf(sut, user.id, 'second_factor.failed')).length;
    const answer = await browser.post('/login/second-factor', { ...fields, otp: '123\u0000456' });
    expect(answer.statusCode).toBe(400);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(await auditOf(sut, user.id, 'second_factor.failed')).toHaveLength(before);
    expect(await signedIn(browser)).toBe(false);
  });

  for (const [name, otp] of [
    ['a 4 kB code', '1'.repeat(4096)],
    ['full-width digits', '１２３４５６'],
    ['a CR/LF header injection', '123456\r\nSet-Cookie: x=y'],
    ['SQL', "' OR 1=1 --"],
  ] as const) {
    it(`${name} is a wrong code: back to the step, counted, nobody signed in`, async () => {
      const { browser, fields } = await pastPassword();
      const answer = await browser.post('/login/second-factor', { ...fields, otp });
      expect(answer.statusCode).toBe(303);
      expect(answer.location).toBe('/login/second-factor?error=invalid');
      expect(await signedIn(browser)).toBe(false);
    });
  }

  it('a repeated otp field is refused at the edge with a 400 page, not counted', async () => {
    const { browser, fields } = await pastPassword();
    const before = (await auditOf(sut, user.id, 'second_factor.failed')).length;
    const code = await totpCode(secret, clock);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const answer = await sut.request({
      method: 'POST',
      url: '/login/second-factor',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: formBody({ ...fields, otp: [code, code] }),
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(await auditOf(sut, user.id, 'second_factor.failed')).toHaveLength(before);
    expect(await signedIn(browser)).toBe(false);
  });

  it('a tampered pending sign-in cookie is no sign-in: back to the login page, the right code signs nobody in', async () => {
    const { browser, fields } = await pastPassword();
    const value = browser.cookies.get('gatehouse_pending')!;
    browser.cookies.set(
      'gatehouse_pending',
      `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`,
    );
    const page = await browser.get('/login/second-factor');
    expect(page.statusCode).toBe(303);
    expect(page.location).toBe('/login?error=expired');
    const answer = await browser.post('/login/second-factor', {
      ...fields,
      otp: await totpCode(secret, clock),
    });
    expect(answer.location).toBe('/login?error=expired');
    expect(await signedIn(browser)).toBe(false);
  });

  it('a pending sign-in is this browser’s: another browser with the same CSRF pair but no cookie gets nothing', async () => {
    const { fields } = await pastPassword();
    const other = new TestBrowser(sut);
    const login = await other.get('/login');
    const answer = await other.post('/login/second-factor', {
      ...hiddenFields(login.body),
      ...fields,
      otp: await totpCode(secret, clock),
    });
    expect(answer.location).toBe('/login?error=expired');
    expect(await signedIn(other)).toBe(false);
  });

  it('a pending sign-in ends after five minutes', async () => {
    const { browser, fields } = await pastPassword();
    clock.advance(301_000);
    const answer = await browser.post('/login/second-factor', {
      ...fields,
      otp: await totpCode(secret, clock),
    });
    expect(answer.location).toBe('/login?error=expired');
    expect(await signedIn(browser)).toBe(false);
  });

  it('a pending sign-in is used once: completing it again gives nothing', async () => {
    const { browser, fields } = await pastPassword();
    clock.advance(30_000);
    const pending = browser.cookies.get('gatehouse_pending')!;
    const done = await browser.post('/login/second-factor', {
      ...fields,
      otp: await totpCode(secret, clock),
    });
    expect(done.location).toBe('/account');
    const replay = new TestBrowser(sut);
    replay.cookies.set('gatehouse_pending', pending);
    replay.cookies.set('gatehouse_csrf', browser.cookies.get('gatehouse_csrf')!);
    clock.advance(30_000);
    const again = await replay.post('/login/second-factor', {
      ...fields,
      otp: await totpCode(secret, clock),
    });
    expect(again.location).toBe('/login?error=expired');
    expect(await signedIn(replay)).toBe(false);
  });

  it('a form without the CSRF token is refused before any code is checked', async () => {
    const { browser } = await pastPassword();
    const answer = await browser.post('/login/second-factor', {
      otp: await totpCode(secret, clock),
    });
    expect(answer.location).toBe('/login/second-factor?error=csrf');
    expect(await signedIn(browser)).toBe(false);
  });

  it('a session alone (no interaction) cannot use the step to rewrite itself', async () => {
    const plain = await createUser(sut);
    const browser = await signInWithPassword(sut, plain);
    const page = await browser.get('/login/second-factor');
    expect(page.location).toBe('/login?error=expired');
  });
});

import { expect } from 'expect';
import { generate } from 'otplib';
import { TestBrowser } from './browser';
import { dataSource, hiddenFields, TestUser } from './code-flow';
import { Clock } from '../../src/common/clock';
import { TestApp } from './test-app';

/** The RFC 6238 code of `secret` at the clock's time (the app's clock, as the server sees it). */
export function totpCode(secret: string, clock: Clock, stepOffset = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(clock.now() / 1000) + stepOffset * 30 });
}

export interface Enrolled {
  secret: string;
  recoveryCodes: string[];
}

/** Signs `user` in with the password alone (no second factor yet); returns the browser. */
export async function signInWithPassword(sut: TestApp, user: TestUser): Promise<TestBrowser> {
  const browser = new TestBrowser(sut);
  const page = await browser.get('/login');
  const result = await browser.post('/login', {
    ...hiddenFields(page.body),
    username: user.username,
    password: user.password,
  });
  expect(result.statusCode).toBe(303);
  return browser;
}

/** Enrols TOTP on /account/security in a signed-in `browser`, through the pages. */
export async function enrolTotp(
  browser: TestBrowser,
  clock: Clock,
  query = '',
): Promise<Enrolled & { confirmed: { statusCode: number; body: string } }> {
  const page = await browser.get(`/account/security${query}`);
  expect(page.statusCode).toBe(200);
  const begun = await browser.post('/account/security/totp', hiddenFields(page.body));
  expect(begun.statusCode).toBe(303);
  const setup = await browser.get(begun.location!);
  expect(setup.statusCode).toBe(200);
  const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(setup.body)?.[1];
  if (!secret) throw new Error('no secret on the setup page');
  const confirmed = await browser.post('/account/security/totp/confirm', {
    ...hiddenFields(setup.body),
    otp: await totpCode(secret, clock),
  });
  expect(confirmed.statusCode).toBe(200);
  const recoveryCodes = [...confirmed.body.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map(
    (match) => match[1],
  );
  expect(recoveryCodes).toHaveLength(10);
  return { secret, recoveryCodes, confirmed };
}

/** Audit events of `type` about `userId`, oldest first. */
export async function auditOf(
  sut: TestApp,
  userId: string,
  type: string,
): Promise<{ outcome: string; details: Record<string, unknown> }[]> {
  return dataSource(sut).query(
    'SELECT outcome, details FROM audit_events WHERE target_id = $1 AND type = $2 ORDER BY occurred_at, id',
    [userId, type],
  );
}

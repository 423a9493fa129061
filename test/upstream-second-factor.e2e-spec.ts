import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from './support/browser';
import { createUser, hiddenFields, PASSWORD } from './support/code-flow';
import { TestClock } from './support/clock';
import { enrolTotp, signInWithPassword, totpCode } from './support/second-factors';
import { startTestApp, TestApp } from './support/test-app';
import { connect, DOWNSTREAM_ISSUER, federatedSignIn, startUpstream } from './support/upstream';

/**
 * An upstream sign-in of someone who has a second factor here (docs/identity-providers.md):
 * the upstream vouches for its own account, not for this one's factor, so the person passes it
 * before any session starts, when linking by password and on every later sign-in.
 */
describe('upstream sign-in of a person with a second factor here', () => {
  const clock = new TestClock();
  let upstream: TestApp;
  let upstreamBase: string;
  let downstream: TestApp;

  before(async () => {
    ({ upstream, issuer: upstreamBase } = await startUpstream());
    downstream = await startTestApp({ ISSUER: DOWNSTREAM_ISSUER }, { clock });
    await connect(downstream, upstream, upstreamBase, 'corp');
  });
  after(async () => {
    await downstream.close();
    await upstream.close();
  });

  it('links by password, then asks for the second factor before signing in; so does every later sign-in', async () => {
    const email = `factor-${Date.now()}@example.com`;
    const local = await createUser(downstream, { email, email_verified: true });
    const person = await createUser(upstream, { email, email_verified: true });
    const { secret } = await enrolTotp(await signInWithPassword(downstream, local), clock);
    clock.advance(30_000);

    const browser = new TestBrowser(downstream);
    const { answer } = await federatedSignIn(browser, 'corp', upstreamBase, person);
    expect(answer.location).toBe('/login/link');
    const page = await browser.get('/login/link');
    const linked = await browser.post('/login/link', {
      ...hiddenFields(page.body),
      password: PASSWORD,
    });
    expect({ status: linked.statusCode, location: linked.location }).toEqual({
      status: 303,
      location: '/login/second-factor',
    });
    expect((await browser.get('/account')).statusCode).toBe(303);

    const step = await browser.get('/login/second-factor');
    expect(step.statusCode).toBe(200);
    const wrong = await browser.post('/login/second-factor', {
      ...hiddenFields(step.body),
      otp: (await totpCode(secret, clock)) === '000000' ? '111111' : '000000',
    });
    expect(wrong.statusCode).toBe(303);
    expect((await browser.get('/account')).statusCode).toBe(303);
    const retry = await browser.get('/login/second-factor');
    const passed = await browser.post('/login/second-factor', {
      ...hiddenFields(retry.body),
      otp: await totpCode(secret, clock),
    });
    expect({ status: passed.statusCode, location: passed.location }).toEqual({
      status: 303,
      location: '/account',
    });
    expect((await browser.get('/account')).statusCode).toBe(200);

    // Linked now: the upstream alone still does not sign this person in.
    clock.advance(30_000);
    const later = new TestBrowser(downstream);
    const again = await federatedSignIn(later, 'corp', upstreamBase, person);
    expect({ status: again.answer.statusCode, location: again.answer.location }).toEqual({
      status: 303,
      location: '/login/second-factor',
    });
    expect((await later.get('/account')).statusCode).toBe(303);
  });
});

'use strict';
// password_login_totp: a sign-in with a password and a TOTP code (docs/second-factors.md), the
// second-factor counterpart of password_login. See bench/README.md.
const { generate } = require('otplib');
const { Browser, hiddenFields } = require('./browser');
const { loopResult, runLoop } = require('./loop');

const PASSWORD = 'correct horse battery staple';
/** As password_login: each sign-in waits on a bcrypt compare. */
const CONNECTIONS = 8;
const STEP_MS = 30_000;

/**
 * RFC 6238 §5.2: a code is accepted once per time step and account, so each sign-in takes a
 * user not yet signed in during this 30-second step. Enough users that a run at bcrypt's pace
 * never waits for the next step (BENCH_TOTP_USERS).
 */
function poolSize() {
  const size = Number(process.env.BENCH_TOTP_USERS ?? 320);
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(
      `BENCH_TOTP_USERS must be a positive integer, got "${process.env.BENCH_TOTP_USERS}"`,
    );
  }
  return size;
}

/** Runs `task(i)` for i < n with at most `limit` at a time. */
async function inParallel(n, limit, task) {
  const results = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return results;
}

/** A user through the admin API, with TOTP enrolled through /account/security. */
async function enrolledUser(gatehouse, i) {
  const username = `bench-totp-${i}-${Date.now().toString(36)}`;
  await gatehouse.createUser({ username, password: PASSWORD });
  const browser = new Browser(gatehouse.url);
  await browser.signIn({ username, password: PASSWORD });
  const page = await browser.get('/account/security');
  const begun = await browser.postForm('/account/security/totp', hiddenFields(page.text));
  const setup = await browser.get(begun.location);
  const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(setup.text)?.[1];
  if (!secret) throw new Error(`no TOTP secret on /account/security (status ${setup.status})`);
  const confirmed = await browser.postForm('/account/security/totp/confirm', {
    ...hiddenFields(setup.text),
    otp: await generate({ secret }),
  });
  if (confirmed.status !== 200) throw new Error(`TOTP confirm answered ${confirmed.status}`);
  return { username, secret, lastStep: Math.floor(Date.now() / STEP_MS) };
}

module.exports = [
  {
    // POST /login (303 to /login/second-factor with a pending sign-in) and POST
    // /login/second-factor with a fresh code (303 to /account): one bcrypt compare, as
    // password_login, plus the pending sign-in, the sealed seed, the time-step claim and the
    // session. The row counts sign-ins.
    name: 'password_login_totp',
    server: 'gatehouse',
    unit: 'sign-ins',
    includes: ['bcrypt_compare', 'password_login'],
    reference: 'password_login',
    async setup({ gatehouse }) {
      const users = await inParallel(poolSize(), CONNECTIONS, (i) => enrolledUser(gatehouse, i));
      // One CSRF pair serves every sign-in, as in password_login.
      const first = new Browser(gatehouse.url);
      const fields = hiddenFields((await first.get('/login')).text);
      const csrf = first.cookies.get('gatehouse_csrf');
      let next = 0;
      /** The next user free in this time step; waits for the next step when none is. */
      const take = async () => {
        for (;;) {
          const step = Math.floor(Date.now() / STEP_MS);
          for (let tried = 0; tried < users.length; tried++) {
            const user = users[next++ % users.length];
            if (user.lastStep < step) {
              user.lastStep = step;
              return { user, step };
            }
          }
          await new Promise((resolve) => setTimeout(resolve, (step + 1) * STEP_MS - Date.now()));
        }
      };
      const signIn = async () => {
        const { user, step } = await take();
        const browser = new Browser(gatehouse.url);
        browser.cookies.set('gatehouse_csrf', csrf);
        const login = await browser.postForm('/login', {
          ...fields,
          username: user.username,
          password: PASSWORD,
        });
        if (login.status !== 303 || login.location !== '/login/second-factor') {
          throw new Error(`POST /login: ${login.status} to ${login.location}`);
        }
        const otp = await generate({ secret: user.secret, epoch: step * 30 });
        const verified = await browser.postForm('/login/second-factor', { ...fields, otp });
        if (verified.status !== 303 || verified.location !== '/account') {
          throw new Error(`POST /login/second-factor: ${verified.status} to ${verified.location}`);
        }
      };
      await signIn(); // checked once before measuring
      return { signIn, connections: CONNECTIONS };
    },
    async run({ signIn }, { durationSec, control }) {
      return loopResult(
        await runLoop({ concurrency: CONNECTIONS, durationSec, iteration: signIn, control }),
      );
    },
  },
];

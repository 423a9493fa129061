import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { createUser, hiddenFields } from '../support/code-flow';
import { basicAuth, InjectResult, startTestApp, TestApp } from '../support/test-app';

/**
 * No timing oracle (docs/security/guessing.md): a wrong credential for an identity that exists,
 * even one that just authenticated, takes as long to refuse as one for an identity that does
 * not. bcrypt runs at cost 10 here (about 50 ms a hash), so that the work skipped by a shortcut
 * would stand far above the noise. Each side is measured several times, interleaved, and
 * compared by its median, with a generous margin for a loaded machine.
 */

const SAMPLES = 7;
/** Each median must be at least this share of the other. */
const MARGIN = 0.5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(request: () => Promise<InjectResult>, status: number): Promise<number> {
  const started = process.hrtime.bigint();
  const response = await request();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  return elapsed;
}

/** Medians of `known` and `unknown`, sampled in alternating order. */
async function compare(
  known: () => Promise<InjectResult>,
  unknown: () => Promise<InjectResult>,
  status: number,
): Promise<{ known: number; unknown: number }> {
  const samples = { known: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < SAMPLES; i++) {
    if (i % 2 === 0) {
      samples.known.push(await timed(known, status));
      samples.unknown.push(await timed(unknown, status));
    } else {
      samples.unknown.push(await timed(unknown, status));
      samples.known.push(await timed(known, status));
    }
  }
  return { known: median(samples.known), unknown: median(samples.unknown) };
}

function expectSameTime(medians: { known: number; unknown: number }): void {
  const rounded = {
    known: Math.round(medians.known),
    unknown: Math.round(medians.unknown),
  };
  expect({ ...rounded, ok: medians.known >= MARGIN * medians.unknown }).toEqual({
    ...rounded,
    ok: true,
  });
  expect({ ...rounded, ok: medians.unknown >= MARGIN * medians.known }).toEqual({
    ...rounded,
    ok: true,
  });
}

async function createM2mClient(
  sut: TestApp,
  method: 'client_secret_basic' | 'client_secret_post',
): Promise<{ id: string; secret: string }> {
  const created = await sut.admin('POST', '/admin/clients', {
    client_name: 'timed service',
    client_type: 'm2m',
    scope: 'a',
    token_endpoint_auth_method: method,
  });
  expect(created.statusCode).toBe(201);
  return { id: created.json().client_id, secret: created.json().client_secret };
}

describe('timing: an unknown identity and a wrong credential take the same time (BCRYPT_COST=10)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({
      BCRYPT_COST: '10',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
      LOGIN_MAX_FAILURES_PER_IP: '1000',
    });
  });
  after(() => sut.close());

  const token = (headers: Record<string, string>, form: Record<string, string> = {}) =>
    sut.postForm('/token', { grant_type: 'client_credentials', ...form }, headers);

  it('client_secret_basic: a wrong secret for a client that just got a token vs an unknown client', async () => {
    const client = await createM2mClient(sut, 'client_secret_basic');
    const right = await token({ authorization: basicAuth(client.id, client.secret) });
    expect(right.statusCode).toBe(200);
    expectSameTime(
      await compare(
        () => token({ authorization: basicAuth(client.id, 'wrong secret') }),
        () => token({ authorization: basicAuth('no-such-client', 'wrong secret') }),
        401,
      ),
    );
  });

  it('client_secret_post: a wrong secret for a client that just got a token vs an unknown client', async () => {
    const client = await createM2mClient(sut, 'client_secret_post');
    const post = (clientId: string, secret: string) =>
      token({}, { client_id: clientId, client_secret: secret });
    expect((await post(client.id, client.secret)).statusCode).toBe(200);
    expectSameTime(
      await compare(
        () => post(client.id, 'wrong secret'),
        () => post('no-such-client', 'wrong secret'),
        401,
      ),
    );
  });

  it('login: a wrong password for an account vs an unknown username', async () => {
    const user = await createUser(sut, { username: 'timed-user' });
    const page = await sut.request({ method: 'GET', url: '/login' });
    const csrf = hiddenFields(page.body).csrf_token;
    const login = (username: string, password: string) =>
      sut.postForm(
        '/login',
        { csrf_token: csrf, username, password },
        { cookie: `gatehouse_csrf=${csrf}` },
      );
    expect((await login('timed-user', user.password)).headers.location).toBe('/account');
    expectSameTime(
      await compare(
        () => login('timed-user', 'wrong password'),
        () => login('no-such-user', 'wrong password'),
        303,
      ),
    );
  });
});

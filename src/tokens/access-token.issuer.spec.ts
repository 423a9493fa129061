import { expect } from 'expect';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Client } from '../clients/client';
import { AppConfig } from '../config/app-config';
import { JwtService } from '../crypto/jwt.service';
import { RandomService } from '../crypto/random.service';
import { AccessTokenIssuer } from './access-token.issuer';
import { issuedBeforeCutoff } from './token-cutoff';
import { SystemClock } from '../common/clock';

/** The signer hands back the claims, so a test can read `iat`. */
const jwt = { sign: (claims: object) => Promise.resolve(JSON.stringify(claims)) };
const random = { jwtId: () => 'jti-1' };
const config = {
  issuer: 'https://id.example.com',
  tokens: { accessTokenLifetime: 900 },
  keys: { accessTokenAlgorithm: 'ES256' },
};

const client = (tokensValidAfter: Date | null) =>
  ({ clientId: 'svc', accessTokenLifetime: null, tokensValidAfter }) as unknown as Client;

const iatOf = async (issued: Promise<{ token: string }>) =>
  (JSON.parse((await issued).token) as { iat: number }).iat;

describe(AccessTokenIssuer.name, () => {
  let sut: AccessTokenIssuer;
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_700 });
    sut = new AccessTokenIssuer(
      jwt as unknown as JwtService,
      random as unknown as RandomService,
      config as unknown as AppConfig,
      new SystemClock(),
    );
  });
  afterEach(() => mock.timers.reset());

  const request = (clientCutoff: Date | null, userCutoff?: Date | null) => ({
    client: client(clientCutoff),
    subject: 'svc',
    scopes: [],
    audience: ['https://id.example.com'],
    user: userCutoff === undefined ? undefined : { tokensValidAfter: userCutoff },
  });

  it('signs at once with iat now when no cut-off is in the current second', async () => {
    expect(await iatOf(sut.issue(request(new Date(999_000))))).toBe(1000);
  });

  it("within the second of a client's cut-off, waits for the next second: the token lives", async () => {
    const cutoff = new Date(1_000_500);
    let done = false;
    const issued = sut.issue(request(cutoff)).finally(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    mock.timers.tick(299);
    await Promise.resolve();
    expect(done).toBe(false);
    mock.timers.tick(1);
    const iat = await iatOf(issued);
    expect(iat).toBe(1001);
    expect(issuedBeforeCutoff(iat, { tokensValidAfter: cutoff })).toBe(false);
  });

  it("waits for the user's cut-off second too", async () => {
    const issued = sut.issue(request(null, new Date(1_000_600)));
    mock.timers.tick(300);
    expect(await iatOf(issued)).toBe(1001);
  });

  it('refuses (503 temporarily_unavailable) rather than wait long for a cut-off ahead of its clock', async () => {
    await expect(sut.issue(request(new Date(1_005_000)))).rejects.toMatchObject({
      status: 503,
      error: 'temporarily_unavailable',
    });
  });
});

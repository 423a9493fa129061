import { expect } from 'expect';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { InvalidClientError } from '../../common/oauth-error';
import { SecretHasher } from '../../crypto/secret-hasher.service';
import { ClientDirectory } from '../client-directory.service';
import { RegisteredClient } from '../client';
import { ClientAssertionVerifier } from './client-assertion.verifier';
import { AuditLog } from '../../events/audit-log.service';
import { CertificateAuthentication } from './certificate-authentication';
import { ClientAuthenticator } from './client-authenticator.service';
import { DecoyAssertionCheck } from './decoy-assertion-check';
import { PresentedCredentials } from './presented-credentials';
import { SystemClock } from '../../common/clock';

const SOURCE = '203.0.113.5';

function client(fields: Partial<RegisteredClient>): RegisteredClient {
  return {
    clientId: 'known',
    status: 'active',
    tokenEndpointAuthMethod: 'client_secret_basic',
    secretHash: 'current-hash',
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    ...fields,
  } as RegisteredClient;
}

describe(ClientAuthenticator.name, () => {
  let known: RegisteredClient | null;
  let hasher: { verify: ReturnType<typeof mock.fn>; verifyNothing: ReturnType<typeof mock.fn> };
  let assertions: { problem: ReturnType<typeof mock.fn> };
  let decoy: ReturnType<typeof mock.method>;
  let sut: ClientAuthenticator;

  beforeEach(() => {
    known = null;
    hasher = {
      verify: mock.fn(() => Promise.resolve(false)),
      verifyNothing: mock.fn(() => Promise.resolve(false)),
    };
    assertions = { problem: mock.fn(() => Promise.resolve('bad signature')) };
    decoy = mock.method(DecoyAssertionCheck.prototype, 'check', () => Promise.resolve());
    const directory = {
      findRegistered: () => Promise.resolve(known),
    } as unknown as ClientDirectory;
    sut = new ClientAuthenticator(
      directory,
      hasher as unknown as SecretHasher,
      assertions as unknown as ClientAssertionVerifier,
      new SystemClock(),
      {} as CertificateAuthentication,
      {} as AuditLog,
    );
  });
  afterEach(() => mock.restoreAll());

  const secret = (clientId: string): PresentedCredentials => ({
    method: 'client_secret_basic',
    clientId,
    secret: 's',
    viaHeader: true,
  });
  const asserted = (clientId: string): PresentedCredentials => ({
    method: 'private_key_jwt',
    clientId,
    assertion: 'a.b.c',
    viaHeader: false,
  });

  describe('with a secret', () => {
    it('spends a dummy bcrypt, charged to the source, for an unknown client', async () => {
      await expect(sut.withSecret(secret('unknown'), SOURCE)).rejects.toBeInstanceOf(
        InvalidClientError,
      );
      expect(hasher.verifyNothing.mock.calls.map((call) => call.arguments)).toEqual([
        ['s', SOURCE],
      ]);
    });

    it('checks the current and, in its grace period, the previous secret in one verification', async () => {
      known = client({
        previousSecretHash: 'previous-hash',
        previousSecretExpiresAt: new Date(Date.now() + 60_000),
      });
      await expect(sut.withSecret(secret('known'), SOURCE)).rejects.toBeInstanceOf(
        InvalidClientError,
      );
      expect(hasher.verify.mock.calls.map((call) => call.arguments)).toEqual([
        ['known', 's', ['current-hash', 'previous-hash'], SOURCE],
      ]);
    });

    it('leaves an expired previous secret out', async () => {
      known = client({
        previousSecretHash: 'previous-hash',
        previousSecretExpiresAt: new Date(Date.now() - 1),
      });
      await expect(sut.withSecret(secret('known'), SOURCE)).rejects.toBeInstanceOf(
        InvalidClientError,
      );
      expect(hasher.verify.mock.calls[0].arguments[2]).toEqual(['current-hash']);
    });
  });

  describe('with an assertion (private_key_jwt)', () => {
    it('spends the decoy signature check for an unknown client', async () => {
      await expect(sut.withAssertion(asserted('unknown'), '/token')).rejects.toBeInstanceOf(
        InvalidClientError,
      );
      expect(decoy.mock.callCount()).toBe(1);
      expect(assertions.problem.mock.callCount()).toBe(0);
    });

    it('spends the decoy for a client registered for another method', async () => {
      known = client({ tokenEndpointAuthMethod: 'client_secret_basic' });
      await expect(sut.withAssertion(asserted('known'), '/token')).rejects.toBeInstanceOf(
        InvalidClientError,
      );
      expect(decoy.mock.callCount()).toBe(1);
    });

    it('verifies the real assertion, and no decoy, for a private_key_jwt client', async () => {
      known = client({ tokenEndpointAuthMethod: 'private_key_jwt', secretHash: null });
      await expect(sut.withAssertion(asserted('known'), '/token')).rejects.toBeInstanceOf(
        InvalidClientError,
      );
      expect(assertions.problem.mock.callCount()).toBe(1);
      expect(decoy.mock.callCount()).toBe(0);
    });
  });
});

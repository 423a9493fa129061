import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './load-config';

const ADMIN_ID = 'gatehouse-admin';
const ADMIN_SECRET = 'a-long-enough-admin-secret-0123456789';

/** The problems loadConfig reports for `env`; fails the test when it accepts it. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** Every problem must start with `NAME: `, so an operator sees which setting to fix. */
function onlyNaming(name: string, count = 1): unknown[] {
  return Array.from({ length: count }, () => expect.stringMatching(new RegExp(`^${name}: `)));
}

describe(loadConfig.name, () => {
  describe('defaults', () => {
    it('starts with documented defaults when nothing is set', () => {
      const sut = loadConfig({});

      expect(sut).toEqual({
        port: 3000,
        host: '0.0.0.0',
        issuer: 'http://localhost:3000',
        database: { url: undefined, dataDir: './data', migrationsRun: true, poolSize: 10 },
        admin: {
          clientId: undefined,
          clientSecret: undefined,
          username: undefined,
          password: undefined,
        },
        consoleEnabled: true,
        registration: { mode: 'closed', initialAccessToken: undefined },
        keys: { encryptionKey: undefined, accessTokenAlgorithm: 'ES256', publishAhead: 120 },
        tokens: {
          accessTokenLifetime: 900,
          refreshTokenLifetime: 30 * 86400,
          refreshTokenIdleLifetime: 14 * 86400,
        },
        signupEnabled: true,
        webauthn: { rpId: 'localhost', rpName: 'Gatehouse', origins: ['http://localhost:3000'] },
        requirePushedAuthorizationRequests: false,
        pushedAuthorizationRequestLifetime: 60,
        dpopNonce: 'off',
        sessions: { lifetime: 8 * 3600 },
        loginThrottle: { maxFailuresPerAccount: 5, maxFailuresPerIp: 20, window: 900 },
        mfa: { required: 'off', requiredRoles: [], requiredClients: [] },
        bcryptCost: 12,
        passwordMinLength: 8,
        bodyLimit: 65536,
        httpTimeouts: { headers: 15, request: 30, keepAlive: 72, idle: 60 },
        logLevel: 'info',
        logFormat: undefined,
        trustProxy: false,
        keyRotationInterval: 2592000,
        rateLimits: {
          redisUrl: undefined,
          window: 60,
          perClient: 12000,
          perIp: 6000,
          clientAuthMaxFailures: 5,
          clientAuthMaxFailuresPerIp: 20,
          clientAuthMaxFailuresPerClient: 50,
          bcryptPerIp: 60,
        },
        jwksUriAllowPrivate: false,
        clientAssertionAudience: 'issuer',
        decisionLogSampleRate: 0.01,
        dpopDecisionWindow: 60,
        gatewayForms: ['x-original', 'x-forwarded', 'path'],
        workers: 1,
        tls: { certificate: undefined, key: undefined, clientCas: [], clientCrls: [] },
        mail: {
          smtpUrl: undefined,
          from: { address: 'gatehouse@localhost.invalid', name: 'Gatehouse' },
          perAccount: 5,
          perIp: 20,
          window: 3600,
        },
        emailVerification: { mode: 'optional', ttl: 86400 },
        passwordResetTtl: 900,
      });
    });

    it('treats an empty value as unset (docker-compose passes ${VAR:-} as "")', () => {
      const sut = loadConfig({
        PORT: '',
        ADMIN_CLIENT_ID: '',
        ADMIN_CLIENT_SECRET: '',
        ADMIN_USERNAME: '',
        ADMIN_PASSWORD: '',
        DATABASE_URL: '',
        KEY_ENCRYPTION_KEY: '',
      });

      expect(sut.port).toBe(3000);
      expect(sut.admin).toEqual({
        clientId: undefined,
        clientSecret: undefined,
        username: undefined,
        password: undefined,
      });
      expect(sut.database.url).toBeUndefined();
      expect(sut.keys.encryptionKey).toBeUndefined();
    });

    it('parses every setting from its string form', () => {
      const key = randomBytes(32);
      const sut = loadConfig({
        PORT: '8080',
        HOST: '127.0.0.1',
        ISSUER: 'https://id.example.com',
        DATABASE_URL: 'postgres://gatehouse:pw@db.internal:5432/gatehouse',
        DATA_DIR: '/var/lib/gatehouse',
        MIGRATIONS_RUN: 'false',
        DATABASE_POOL_SIZE: '20',
        ADMIN_CLIENT_ID: ADMIN_ID,
        ADMIN_CLIENT_SECRET: ADMIN_SECRET,
        ADMIN_USERNAME: 'ops.admin',
        ADMIN_PASSWORD: 'a long admin passphrase 42',
        CONSOLE_ENABLED: 'false',
        REGISTRATION_MODE: 'token',
        REGISTRATION_INITIAL_ACCESS_TOKEN: 'initial-access-token-0123456789abcdef',
        KEY_ENCRYPTION_KEY: key.toString('base64'),
        ACCESS_TOKEN_SIGNING_ALG: 'EdDSA',
        KEY_PUBLISH_AHEAD: '300',
        ACCESS_TOKEN_LIFETIME: '300',
        BCRYPT_COST: '10',
        PASSWORD_MIN_LENGTH: '12',
        SIGNUP_ENABLED: 'false',
        REQUIRE_PAR: 'true',
        PUSHED_AUTHORIZATION_REQUEST_LIFETIME: '90',
        DPOP_NONCE: 'required',
        SESSION_LIFETIME: '3600',
        REFRESH_TOKEN_LIFETIME: '86400',
        REFRESH_TOKEN_IDLE_LIFETIME: '7200',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
        LOGIN_MAX_FAILURES_PER_IP: '50',
        LOGIN_FAILURE_WINDOW: '600',
        MFA_REQUIRED: 'all',
        MFA_REQUIRED_ROLES: 'admin, operators',
        MFA_REQUIRED_CLIENTS: 'console',
        BODY_LIMIT: '32768',
        HTTP_HEADERS_TIMEOUT: '10',
        HTTP_REQUEST_TIMEOUT: '20',
        HTTP_KEEP_ALIVE_TIMEOUT: '90',
        HTTP_IDLE_TIMEOUT: '30',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'pretty',
        CLIENT_AUTH_MAX_FAILURES_PER_IP: '30',
        CLIENT_AUTH_MAX_FAILURES_PER_CLIENT: '400',
        RATE_LIMIT_BCRYPT_PER_IP: '90',
        CLIENT_ASSERTION_AUDIENCE: 'legacy',
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_ORIGINS: 'https://id.example.com,https://app.example.com',
        WEBAUTHN_RP_NAME: 'Example ID',
      });

      expect(sut).toEqual({
        port: 8080,
        host: '127.0.0.1',
        issuer: 'https://id.example.com',
        database: {
          url: 'postgres://gatehouse:pw@db.internal:5432/gatehouse',
          dataDir: '/var/lib/gatehouse',
          migrationsRun: false,
          poolSize: 20,
        },
        admin: {
          clientId: ADMIN_ID,
          clientSecret: ADMIN_SECRET,
          username: 'ops.admin',
          password: 'a long admin passphrase 42',
        },
        consoleEnabled: false,
        registration: {
          mode: 'token',
          initialAccessToken: 'initial-access-token-0123456789abcdef',
        },
        keys: { encryptionKey: key, accessTokenAlgorithm: 'EdDSA', publishAhead: 300 },
        tokens: {
          accessTokenLifetime: 300,
          refreshTokenLifetime: 86400,
          refreshTokenIdleLifetime: 7200,
        },
        signupEnabled: false,
        webauthn: {
          rpId: 'example.com',
          rpName: 'Example ID',
          origins: ['https://id.example.com', 'https://app.example.com'],
        },
        requirePushedAuthorizationRequests: true,
        pushedAuthorizationRequestLifetime: 90,
        dpopNonce: 'required',
        sessions: { lifetime: 3600 },
        loginThrottle: { maxFailuresPerAccount: 3, maxFailuresPerIp: 50, window: 600 },
        mfa: {
          required: 'all',
          requiredRoles: ['admin', 'operators'],
          requiredClients: ['console'],
        },
        bcryptCost: 10,
        passwordMinLength: 12,
        bodyLimit: 32768,
        httpTimeouts: { headers: 10, request: 20, keepAlive: 90, idle: 30 },
        logLevel: 'warn',
        logFormat: 'pretty',
        trustProxy: false,
        keyRotationInterval: 2592000,
        rateLimits: {
          redisUrl: undefined,
          window: 60,
          perClient: 12000,
          perIp: 6000,
          clientAuthMaxFailures: 5,
          clientAuthMaxFailuresPerIp: 30,
          clientAuthMaxFailuresPerClient: 400,
          bcryptPerIp: 90,
        },
        jwksUriAllowPrivate: false,
        clientAssertionAudience: 'legacy',
        decisionLogSampleRate: 0.01,
        dpopDecisionWindow: 60,
        gatewayForms: ['x-original', 'x-forwarded', 'path'],
        workers: 1,
        tls: { certificate: undefined, key: undefined, clientCas: [], clientCrls: [] },
        mail: expect.objectContaining({ smtpUrl: undefined }),
        emailVerification: { mode: 'optional', ttl: 86400 },
        passwordResetTtl: 900,
      });
    });

    it('accepts KEY_ENCRYPTION_KEY in base64url as the same 32 bytes', () => {
      const key = randomBytes(32);

      const sut = loadConfig({ KEY_ENCRYPTION_KEY: key.toString('base64url') });

      expect(sut.keys.encryptionKey).toEqual(key);
    });
  });

  describe('DPOP_DECISION_WINDOW', () => {
    it('reads 1 to 60 seconds', () => {
      expect(loadConfig({ DPOP_DECISION_WINDOW: '10' }).dpopDecisionWindow).toBe(10);
    });

    it('refuses 0, more than the token endpoint’s 60, and anything not a number', () => {
      for (const value of ['0', '61', 'soon']) {
        expect(() => loadConfig({ DPOP_DECISION_WINDOW: value })).toThrow(/DPOP_DECISION_WINDOW/);
      }
    });
  });

  describe('TRUST_PROXY', () => {
    for (const [value, expected] of [
      ['false', false],
      ['true', true],
      ['2', 2],
      ['10.0.0.0/8,127.0.0.1', ['10.0.0.0/8', '127.0.0.1']],
    ] as const) {
      it(`reads ${value}`, () => {
        expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
      });
    }

    it('refuses anything else, naming TRUST_PROXY', () => {
      expect(() => loadConfig({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/);
    });
  });

  describe('GATEWAY_FORMS', () => {
    it('reads a list of forms, each once', () => {
      expect(loadConfig({ GATEWAY_FORMS: 'path' }).gatewayForms).toEqual(['path']);
      expect(
        loadConfig({ GATEWAY_FORMS: 'x-forwarded,x-original,x-forwarded' }).gatewayForms,
      ).toEqual(['x-forwarded', 'x-original']);
    });

    it('refuses anything else, naming GATEWAY_FORMS', () => {
      for (const value of ['nginx', 'path,', 'x-original, path', 'all']) {
        expect(() => loadConfig({ GATEWAY_FORMS: value })).toThrow(/GATEWAY_FORMS/);
      }
    });
  });

  describe('issuer', () => {
    it('defaults to http://localhost:$PORT', () => {
      expect(loadConfig({ PORT: '4000' }).issuer).toBe('http://localhost:4000');
    });

    it('removes trailing slashes so `iss` matches discovery exactly', () => {
      expect(loadConfig({ ISSUER: 'https://id.example.com/' }).issuer).toBe(
        'https://id.example.com',
      );
      expect(loadConfig({ ISSUER: 'https://example.com/auth//' }).issuer).toBe(
        'https://example.com/auth',
      );
    });

    it('keeps a path', () => {
      expect(loadConfig({ ISSUER: 'https://example.com/tenants/a' }).issuer).toBe(
        'https://example.com/tenants/a',
      );
    });

    it('refuses an ISSUER that is not an http(s) URL', () => {
      expect(problemsOf({ ISSUER: 'not a url' })).toEqual(onlyNaming('ISSUER'));
      expect(problemsOf({ ISSUER: 'ftp://id.example.com' })).toEqual(onlyNaming('ISSUER'));
    });

    it('refuses an ISSUER with a query or fragment (RFC 8414 §2)', () => {
      expect(problemsOf({ ISSUER: 'https://id.example.com/?tenant=a' })).toEqual(
        onlyNaming('ISSUER'),
      );
      expect(problemsOf({ ISSUER: 'https://id.example.com/#a' })).toEqual(onlyNaming('ISSUER'));
    });
  });

  describe('a bad value names its setting', () => {
    it('PORT that is not a number', () => {
      expect(problemsOf({ PORT: 'abc' })).toEqual(onlyNaming('PORT'));
    });

    it('PORT out of range', () => {
      expect(problemsOf({ PORT: '70000' })).toEqual(onlyNaming('PORT'));
    });

    it('REGISTRATION_MODE outside closed, token, open', () => {
      expect(problemsOf({ REGISTRATION_MODE: 'x' })).toEqual([
        'REGISTRATION_MODE: REGISTRATION_MODE must be one of the following values: closed, token, open',
      ]);
    });

    it('DPOP_NONCE outside off, required', () => {
      expect(problemsOf({ DPOP_NONCE: 'on' })).toEqual([
        'DPOP_NONCE: DPOP_NONCE must be one of the following values: off, required',
      ]);
    });

    it('ADMIN_CLIENT_SECRET that is a placeholder', () => {
      expect(
        problemsOf({
          ADMIN_CLIENT_ID: ADMIN_ID,
          ADMIN_CLIENT_SECRET: 'changeme-changeme-changeme-changeme',
        }),
      ).toEqual(['ADMIN_CLIENT_SECRET: is a placeholder value']);
    });

    it('ADMIN_CLIENT_SECRET "changeme": too short and a placeholder', () => {
      expect(problemsOf({ ADMIN_CLIENT_ID: ADMIN_ID, ADMIN_CLIENT_SECRET: 'changeme' })).toEqual([
        'ADMIN_CLIENT_SECRET: must be at least 32 characters',
        'ADMIN_CLIENT_SECRET: is a placeholder value',
      ]);
    });

    const WEAK =
      'is too weak: fewer than 10 different characters (openssl rand -base64 32 makes a good one)';
    for (const [what, value] of [
      ['one letter repeated', 'a'.repeat(40)],
      ['two characters alternating', 'ab'.repeat(20)],
      ['a few characters repeated', '0123456'.repeat(6)],
    ]) {
      it(`ADMIN_CLIENT_SECRET of ${what}: too weak`, () => {
        expect(problemsOf({ ADMIN_CLIENT_ID: ADMIN_ID, ADMIN_CLIENT_SECRET: value })).toEqual([
          `ADMIN_CLIENT_SECRET: ${WEAK}`,
        ]);
      });
    }

    it('ADMIN_CLIENT_SECRET of only spaces', () => {
      expect(
        problemsOf({ ADMIN_CLIENT_ID: ADMIN_ID, ADMIN_CLIENT_SECRET: ' '.repeat(40) }),
      ).toEqual(['ADMIN_CLIENT_SECRET: must not be only spaces']);
    });

    it('REGISTRATION_INITIAL_ACCESS_TOKEN and KEY_ENCRYPTION_KEY that are too weak', () => {
      expect(
        problemsOf({
          REGISTRATION_MODE: 'token',
          REGISTRATION_INITIAL_ACCESS_TOKEN: 'y'.repeat(32),
          KEY_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
        }),
      ).toEqual([`REGISTRATION_INITIAL_ACCESS_TOKEN: ${WEAK}`, `KEY_ENCRYPTION_KEY: ${WEAK}`]);
    });

    it('ADMIN_CLIENT_SECRET shorter than 32 characters', () => {
      expect(
        problemsOf({ ADMIN_CLIENT_ID: ADMIN_ID, ADMIN_CLIENT_SECRET: 'short-but-random-7f3a' }),
      ).toEqual(['ADMIN_CLIENT_SECRET: must be at least 32 characters']);
    });

    it('ADMIN_CLIENT_ID without ADMIN_CLIENT_SECRET, and the reverse', () => {
      expect(problemsOf({ ADMIN_CLIENT_ID: ADMIN_ID })).toEqual([
        'ADMIN_CLIENT_ID: ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together',
      ]);
      expect(problemsOf({ ADMIN_CLIENT_SECRET: ADMIN_SECRET })).toEqual([
        'ADMIN_CLIENT_ID: ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together',
      ]);
    });

    it('ADMIN_CLIENT_ID with characters outside the allowed set', () => {
      expect(
        problemsOf({ ADMIN_CLIENT_ID: 'admin client', ADMIN_CLIENT_SECRET: ADMIN_SECRET }),
      ).toEqual(onlyNaming('ADMIN_CLIENT_ID'));
    });

    it('REGISTRATION_MODE=token without REGISTRATION_INITIAL_ACCESS_TOKEN', () => {
      expect(problemsOf({ REGISTRATION_MODE: 'token' })).toEqual([
        'REGISTRATION_INITIAL_ACCESS_TOKEN: is required when REGISTRATION_MODE=token',
      ]);
    });

    it('DATABASE_URL without KEY_ENCRYPTION_KEY', () => {
      expect(problemsOf({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/gatehouse' })).toEqual([
        'KEY_ENCRYPTION_KEY: is required with DATABASE_URL (openssl rand -base64 32); only embedded mode generates one',
      ]);
    });

    it('DATABASE_URL that is not a postgres:// URL', () => {
      expect(
        problemsOf({
          DATABASE_URL: 'mysql://root@127.0.0.1/gatehouse',
          KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        }),
      ).toEqual(['DATABASE_URL: must be a postgres:// URL']);
    });

    it('KEY_ENCRYPTION_KEY that is not 32 bytes of base64', () => {
      expect(problemsOf({ KEY_ENCRYPTION_KEY: 'abc' })).toEqual([
        'KEY_ENCRYPTION_KEY: must be 32 random bytes in base64 or base64url (openssl rand -base64 32)',
      ]);
      expect(problemsOf({ KEY_ENCRYPTION_KEY: randomBytes(16).toString('base64') })).toEqual(
        onlyNaming('KEY_ENCRYPTION_KEY'),
      );
    });

    it('MIGRATIONS_RUN that is not a boolean', () => {
      expect(problemsOf({ MIGRATIONS_RUN: 'maybe' })).toEqual([
        'MIGRATIONS_RUN: must be true or false',
      ]);
    });

    it('ACCESS_TOKEN_SIGNING_ALG outside ES256, EdDSA, RS256', () => {
      expect(problemsOf({ ACCESS_TOKEN_SIGNING_ALG: 'HS256' })).toEqual(
        onlyNaming('ACCESS_TOKEN_SIGNING_ALG'),
      );
    });

    it('KEY_PUBLISH_AHEAD outside 0-86400 seconds or not a whole number', () => {
      for (const value of ['-1', '86401', '1.5', 'soon']) {
        expect(problemsOf({ KEY_PUBLISH_AHEAD: value })).toEqual(onlyNaming('KEY_PUBLISH_AHEAD'));
      }
    });

    it('HTTP timeouts out of range, or a headers timeout past the request timeout', () => {
      expect(problemsOf({ HTTP_HEADERS_TIMEOUT: '0' })).toEqual(onlyNaming('HTTP_HEADERS_TIMEOUT'));
      expect(problemsOf({ HTTP_REQUEST_TIMEOUT: '3601' })).toEqual(
        onlyNaming('HTTP_REQUEST_TIMEOUT'),
      );
      expect(problemsOf({ HTTP_KEEP_ALIVE_TIMEOUT: 'long' })).toEqual(
        onlyNaming('HTTP_KEEP_ALIVE_TIMEOUT'),
      );
      expect(problemsOf({ HTTP_IDLE_TIMEOUT: '-1' })).toEqual(onlyNaming('HTTP_IDLE_TIMEOUT'));
      expect(problemsOf({ HTTP_HEADERS_TIMEOUT: '20', HTTP_REQUEST_TIMEOUT: '10' })).toEqual([
        'HTTP_HEADERS_TIMEOUT: must not be longer than HTTP_REQUEST_TIMEOUT',
      ]);
    });

    it('PASSWORD_MIN_LENGTH below 8, above 72 (no password could be set) or not a whole number', () => {
      for (const value of ['7', '73', '128', '10.5', 'twelve']) {
        expect(problemsOf({ PASSWORD_MIN_LENGTH: value })).toEqual(
          onlyNaming('PASSWORD_MIN_LENGTH'),
        );
      }
      expect(loadConfig({ PASSWORD_MIN_LENGTH: '72' }).passwordMinLength).toBe(72);
    });

    it('LOG_LEVEL outside the pino levels', () => {
      expect(problemsOf({ LOG_LEVEL: 'verbose' })).toEqual(onlyNaming('LOG_LEVEL'));
    });

    it('LOG_FORMAT other than json or pretty', () => {
      for (const value of ['JSON', 'text', ' json', 'json\u0000']) {
        expect(problemsOf({ LOG_FORMAT: value })).toEqual(onlyNaming('LOG_FORMAT'));
      }
      expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    });

    it('reports every bad setting at once, each named in the error message', () => {
      let error: unknown;
      try {
        loadConfig({ PORT: 'abc', REGISTRATION_MODE: 'x', BCRYPT_COST: '3' });
      } catch (caught) {
        error = caught;
      }

      expect(error).toBeInstanceOf(ConfigError);
      const { message, problems } = error as ConfigError;
      expect(problems).toEqual([
        ...onlyNaming('PORT'),
        ...onlyNaming('REGISTRATION_MODE'),
        ...onlyNaming('BCRYPT_COST'),
      ]);
      expect(message).toBe(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    });
  });
});

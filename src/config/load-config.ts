import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { AppConfig } from './app-config';
import { Environment, GatewayForm } from './environment';
import { readTlsFiles } from './tls-files';
import { readMailSettings } from './mail-settings';
import { webAuthnSettings } from './webauthn-settings';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Values copied from documentation that must never reach production. */
const PLACEHOLDER =
  /^(<.*>|changeme|change[-_ ]?me.*|replace[-_ ]?me.*|your[-_].*|xxx+|todo|secret|password|example.*)$/i;
const SECRET_SETTINGS = [
  'ADMIN_CLIENT_SECRET',
  'REGISTRATION_INITIAL_ACCESS_TOKEN',
  'KEY_ENCRYPTION_KEY',
] as const;

/**
 * A random secret of 32 characters or more has far more than this many different characters
 * (openssl rand -base64 32 gives about 25); one with fewer was typed, not generated:
 * `aaaa…`, `abab…`, a key of zero bytes (`AAAA…=`).
 */
const MIN_DISTINCT_CHARACTERS = 10;

function weakSecretProblem(value: string): string | undefined {
  if (value.trim() === '') return 'must not be only spaces';
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS) {
    return `is too weak: fewer than ${MIN_DISTINCT_CHARACTERS} different characters (openssl rand -base64 32 makes a good one)`;
  }
  return undefined;
}

function describe(errors: ValidationError[]): string[] {
  return errors.map(
    (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ') || 'is invalid'}`,
  );
}

/**
 * Reads and validates the environment (brocoders `auth.config.ts`, immich `env.dto.ts`):
 * a bad or placeholder value throws a ConfigError that names the setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const problems = describe(validateSync(parsed, { forbidUnknownValues: false }));

  for (const key of SECRET_SETTINGS) {
    const value = parsed[key];
    if (!value) continue;
    if (PLACEHOLDER.test(value.trim())) {
      problems.push(`${key}: is a placeholder value`);
      continue;
    }
    // A value of the wrong shape is reported as such; weakness is judged on well-formed ones.
    const misshapen = problems.some((problem) => problem.startsWith(`${key}: `));
    const weak = misshapen ? undefined : weakSecretProblem(value);
    if (weak) problems.push(`${key}: ${weak}`);
  }
  if (Boolean(parsed.ADMIN_CLIENT_ID) !== Boolean(parsed.ADMIN_CLIENT_SECRET)) {
    problems.push('ADMIN_CLIENT_ID: ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together');
  }
  // The console's own client (docs/console.md) is ensured by every start as something else.
  if (parsed.ADMIN_CLIENT_ID === 'gatehouse-console') {
    problems.push("ADMIN_CLIENT_ID: gatehouse-console is the console's own client; choose another");
  }
  if (parsed.ADMIN_USERNAME && !parsed.ADMIN_PASSWORD) {
    problems.push('ADMIN_PASSWORD: is required with ADMIN_USERNAME');
  } else if (parsed.ADMIN_PASSWORD && !parsed.ADMIN_USERNAME) {
    problems.push('ADMIN_USERNAME: is required with ADMIN_PASSWORD');
  }
  if (parsed.REGISTRATION_MODE === 'token' && !parsed.REGISTRATION_INITIAL_ACCESS_TOKEN) {
    problems.push('REGISTRATION_INITIAL_ACCESS_TOKEN: is required when REGISTRATION_MODE=token');
  }
  if (parsed.DATABASE_URL && !parsed.KEY_ENCRYPTION_KEY) {
    problems.push(
      'KEY_ENCRYPTION_KEY: is required with DATABASE_URL (openssl rand -base64 32); only embedded mode generates one',
    );
  }
  if (parsed.WORKERS > 1 && !parsed.DATABASE_URL) {
    problems.push(
      'WORKERS: more than one process needs DATABASE_URL (embedded PGlite serves one process)',
    );
  }
  if (parsed.METRICS_PORT !== undefined && parsed.METRICS_PORT !== 0) {
    if (parsed.METRICS_PORT === parsed.PORT) {
      problems.push(
        'METRICS_PORT: must differ from PORT (metrics are never on the public listener)',
      );
    }
  }
  if (parsed.HTTP_HEADERS_TIMEOUT > parsed.HTTP_REQUEST_TIMEOUT) {
    problems.push('HTTP_HEADERS_TIMEOUT: must not be longer than HTTP_REQUEST_TIMEOUT');
  }
  const tls = readTlsFiles(parsed, problems);
  const mail = readMailSettings(parsed, problems);
  const issuer = (parsed.ISSUER ?? `http://localhost:${parsed.PORT}`).replace(/\/+$/, '');
  // A bad ISSUER is reported under its own name, not again as passkey settings.
  const webauthn = problems.some((problem) => problem.startsWith('ISSUER: '))
    ? undefined
    : webAuthnSettings(parsed, issuer, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port: parsed.PORT,
    host: parsed.HOST,
    issuer,
    database: {
      url: parsed.DATABASE_URL,
      dataDir: parsed.DATA_DIR,
      migrationsRun: parsed.MIGRATIONS_RUN,
      poolSize: parsed.DATABASE_POOL_SIZE,
    },
    admin: {
      clientId: parsed.ADMIN_CLIENT_ID,
      clientSecret: parsed.ADMIN_CLIENT_SECRET,
      username: parsed.ADMIN_USERNAME,
      password: parsed.ADMIN_PASSWORD,
    },
    consoleEnabled: parsed.CONSOLE_ENABLED,
    registration: {
      mode: parsed.REGISTRATION_MODE,
      initialAccessToken: parsed.REGISTRATION_INITIAL_ACCESS_TOKEN,
    },
    keys: {
      encryptionKey: parsed.KEY_ENCRYPTION_KEY
        ? Buffer.from(parsed.KEY_ENCRYPTION_KEY, 'base64')
        : undefined,
      accessTokenAlgorithm: parsed.ACCESS_TOKEN_SIGNING_ALG,
      publishAhead: parsed.KEY_PUBLISH_AHEAD,
    },
    tokens: {
      accessTokenLifetime: parsed.ACCESS_TOKEN_LIFETIME,
      refreshTokenLifetime: parsed.REFRESH_TOKEN_LIFETIME,
      refreshTokenIdleLifetime: parsed.REFRESH_TOKEN_IDLE_LIFETIME,
    },
    signupEnabled: parsed.SIGNUP_ENABLED,
    webauthn,
    requirePushedAuthorizationRequests: parsed.REQUIRE_PAR,
    pushedAuthorizationRequestLifetime: parsed.PUSHED_AUTHORIZATION_REQUEST_LIFETIME,
    dpopNonce: parsed.DPOP_NONCE,
    sessions: { lifetime: parsed.SESSION_LIFETIME },
    loginThrottle: {
      maxFailuresPerAccount: parsed.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerIp: parsed.LOGIN_MAX_FAILURES_PER_IP,
      window: parsed.LOGIN_FAILURE_WINDOW,
    },
    mfa: {
      required: parsed.MFA_REQUIRED,
      requiredRoles: nameList(parsed.MFA_REQUIRED_ROLES),
      requiredClients: nameList(parsed.MFA_REQUIRED_CLIENTS),
    },
    bcryptCost: parsed.BCRYPT_COST,
    passwordMinLength: parsed.PASSWORD_MIN_LENGTH,
    bodyLimit: parsed.BODY_LIMIT,
    httpTimeouts: {
      headers: parsed.HTTP_HEADERS_TIMEOUT,
      request: parsed.HTTP_REQUEST_TIMEOUT,
      keepAlive: parsed.HTTP_KEEP_ALIVE_TIMEOUT,
      idle: parsed.HTTP_IDLE_TIMEOUT,
    },
    logLevel: parsed.LOG_LEVEL,
    logFormat: parsed.LOG_FORMAT,
    trustProxy: parseTrustProxy(parsed.TRUST_PROXY),
    keyRotationInterval: parsed.KEY_ROTATION_INTERVAL,
    rateLimits: {
      redisUrl: parsed.REDIS_URL,
      window: parsed.RATE_LIMIT_WINDOW,
      perClient: parsed.RATE_LIMIT_PER_CLIENT,
      perIp: parsed.RATE_LIMIT_PER_IP,
      clientAuthMaxFailures: parsed.CLIENT_AUTH_MAX_FAILURES,
      clientAuthMaxFailuresPerIp: parsed.CLIENT_AUTH_MAX_FAILURES_PER_IP,
      clientAuthMaxFailuresPerClient: parsed.CLIENT_AUTH_MAX_FAILURES_PER_CLIENT,
      bcryptPerIp: parsed.RATE_LIMIT_BCRYPT_PER_IP,
    },
    jwksUriAllowPrivate: parsed.JWKS_URI_ALLOW_PRIVATE,
    clientAssertionAudience: parsed.CLIENT_ASSERTION_AUDIENCE,
    decisionLogSampleRate: parsed.DECISION_LOG_SAMPLE_RATE,
    dpopDecisionWindow: parsed.DPOP_DECISION_WINDOW,
    gatewayForms: [...new Set(parsed.GATEWAY_FORMS.split(','))] as GatewayForm[],
    workers: parsed.WORKERS,
    metrics:
      parsed.METRICS_PORT === undefined
        ? undefined
        : { host: parsed.METRICS_HOST, port: parsed.METRICS_PORT },
    tls,
    mail,
    emailVerification: { mode: parsed.EMAIL_VERIFICATION, ttl: parsed.EMAIL_VERIFICATION_TTL },
    passwordResetTtl: parsed.PASSWORD_RESET_TTL,
  };
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',');
}

/** A comma-separated setting as its names, trimmed; unset: none. */
function nameList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export const REGISTRATION_MODES = ['closed', 'token', 'open'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/** How gateways name the request they ask about (docs/gateways.md). */
export const GATEWAY_FORMS = ['x-original', 'x-forwarded', 'path'] as const;
export type GatewayForm = (typeof GATEWAY_FORMS)[number];

export const CLIENT_ASSERTION_AUDIENCES = ['issuer', 'legacy'] as const;
export type ClientAssertionAudience = (typeof CLIENT_ASSERTION_AUDIENCES)[number];

/** RFC 9449 §8, §9: whether DPoP proofs must carry a server-provided nonce. */
export const DPOP_NONCE_MODES = ['off', 'required'] as const;
export type DpopNonceMode = (typeof DPOP_NONCE_MODES)[number];

/** Who must pass a second factor (docs/second-factors.md, Policy). */
export const MFA_REQUIRED_MODES = ['off', 'all'] as const;
export type MfaRequiredMode = (typeof MFA_REQUIRED_MODES)[number];

/** A comma-separated list of names (role names, client_ids), spaces allowed around commas. */
const NAME_LIST = /^\s*[^,\s][^,]{0,127}(\s*,\s*[^,\s][^,]{0,127})*\s*$/;
/** Whether sign-up sends a verification link, and whether sign-in waits for it (docs/account.md). */
export const EMAIL_VERIFICATION_MODES = ['off', 'optional', 'required'] as const;
export type EmailVerificationMode = (typeof EMAIL_VERIFICATION_MODES)[number];

export const ACCESS_TOKEN_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;
export type AccessTokenAlgorithm = (typeof ACCESS_TOKEN_ALGORITHMS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown => {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value;
};

/**
 * Every setting Gatehouse reads from the environment. `.env.example` documents each one;
 * `loadConfig` validates them at boot and names any bad value.
 */
export class Environment {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsOptional()
  @IsString()
  @MinLength(1)
  HOST: string = '0.0.0.0';

  /** The metrics listener's port (docs/metrics.md); unset: no metrics at all. 0: any free port. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  METRICS_HOST: string = '127.0.0.1';

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  // RFC 8414 §2: the issuer identifier has no query or fragment component.
  @Matches(/^[^?#]*$/, { message: 'must have no query or fragment (RFC 8414 §2)' })
  ISSUER?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  DATA_DIR: string = './data';

  @IsOptional()
  @Transform(toBool)
  @IsIn([true, false], { message: 'must be true or false' })
  MIGRATIONS_RUN: boolean = true;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE: number = 10;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._~-]{8,128}$/, {
    message: 'must be 8 to 128 characters of A-Z a-z 0-9 . _ ~ -',
  })
  ADMIN_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  @MaxLength(72)
  ADMIN_CLIENT_SECRET?: string;

  /** The first admin person (docs/console.md); with ADMIN_PASSWORD, both or neither. */
  @IsOptional()
  // The username syntax of docs/users.md (src/users/password.policy.ts USERNAME_SYNTAX).
  @Matches(/^[A-Za-z0-9._@+-]{3,64}$/, {
    message: 'must be 3 to 64 characters of A-Z a-z 0-9 . _ @ + -',
  })
  ADMIN_USERNAME?: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  @MaxLength(72, { message: 'must be at most 72 characters (bcrypt reads no further)' })
  ADMIN_PASSWORD?: string;

  /** The admin console at /console and its client gatehouse-console (docs/console.md). */
  @IsOptional()
  @Transform(toBool)
  @IsIn([true, false], { message: 'must be true or false' })
  CONSOLE_ENABLED: boolean = true;

  @IsOptional()
  @IsIn(REGISTRATION_MODES)
  REGISTRATION_MODE: RegistrationMode = 'closed';

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  // Presented as `Authorization: Bearer` (RFC 7591 §3), so a b64token (RFC 6750 §2.1).
  @Matches(/^[A-Za-z0-9\-._~+/]+=*$/, {
    message: 'must be a Bearer token: letters, digits and - . _ ~ + / (then = padding)',
  })
  REGISTRATION_INITIAL_ACCESS_TOKEN?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9+/_-]{43}=?$/, {
    message: 'must be 32 random bytes in base64 or base64url (openssl rand -base64 32)',
  })
  KEY_ENCRYPTION_KEY?: string;

  @IsOptional()
  @IsIn(ACCESS_TOKEN_ALGORITHMS)
  ACCESS_TOKEN_SIGNING_ALG: AccessTokenAlgorithm = 'ES256';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  ACCESS_TOKEN_LIFETIME: number = 900;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(4)
  @Max(15)
  BCRYPT_COST: number = 12;

  /**
   * Fewest characters a password may have: NIST SP 800-63B §5.1.1.2 asks for at least 8; above
   * 72 no password could be set, since none may be longer than 72 bytes (bcrypt's limit).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(8)
  @Max(72)
  PASSWORD_MIN_LENGTH: number = 8;

  @IsOptional()
  @Transform(toBool)
  @IsIn([true, false], { message: 'must be true or false' })
  SIGNUP_ENABLED: boolean = true;

  /** WebAuthn relying party ID (docs/passkeys.md); default: the issuer's host. */
  @IsOptional()
  @IsString()
  @MaxLength(253)
  WEBAUTHN_RP_ID?: string;

  /** Comma-separated origins passkey ceremonies may come from; default: the issuer's origin. */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  WEBAUTHN_ORIGINS?: string;

  /** The name authenticators show for Gatehouse beside the account. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  WEBAUTHN_RP_NAME: string = 'Gatehouse';

  /** RFC 9126 §5: every client must push its authorization requests to /par. */
  @IsOptional()
  @Transform(toBool)
  @IsIn([true, false], { message: 'must be true or false' })
  REQUIRE_PAR: boolean = false;

  /** RFC 9126 §2.2: seconds a pushed request_uri stays usable. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600)
  PUSHED_AUTHORIZATION_REQUEST_LIFETIME: number = 60;

  /**
   * RFC 9449 §8 (token endpoint) and §9 (/userinfo): `required` makes every DPoP proof carry a
   * recent nonce from a `DPoP-Nonce` header; `off` accepts proofs without one.
   */
  @IsOptional()
  @IsIn(DPOP_NONCE_MODES)
  DPOP_NONCE: DpopNonceMode = 'off';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(30 * 86400)
  SESSION_LIFETIME: number = 8 * 3600;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(365 * 86400)
  REFRESH_TOKEN_LIFETIME: number = 30 * 86400;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(365 * 86400)
  REFRESH_TOKEN_IDLE_LIFETIME: number = 14 * 86400;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES_PER_ACCOUNT: number = 5;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  LOGIN_MAX_FAILURES_PER_IP: number = 20;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_FAILURE_WINDOW: number = 900;

  /** `all`: every person must pass a second factor, enrolling one first if they have none. */
  @IsOptional()
  @IsIn(MFA_REQUIRED_MODES)
  MFA_REQUIRED: MfaRequiredMode = 'off';

  /** Roles whose holders must pass a second factor (comma-separated names). */
  @IsOptional()
  @Matches(NAME_LIST, { message: 'must be role names separated by commas' })
  MFA_REQUIRED_ROLES?: string;

  /** Clients whose sign-ins need a second factor (comma-separated client_ids). */
  @IsOptional()
  @Matches(NAME_LIST, { message: 'must be client_ids separated by commas' })
  MFA_REQUIRED_CLIENTS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  BODY_LIMIT: number = 64 * 1024;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  HTTP_HEADERS_TIMEOUT: number = 15;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  HTTP_REQUEST_TIMEOUT: number = 30;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  HTTP_KEEP_ALIVE_TIMEOUT: number = 72;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  HTTP_IDLE_TIMEOUT: number = 60;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  @IsOptional()
  @Matches(/^(true|false|\d{1,2}|[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*)$/, {
    message: 'must be true, false, a hop count, or comma-separated proxy addresses/CIDRs',
  })
  TRUST_PROXY: string = 'false';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(365 * 86400)
  KEY_ROTATION_INTERVAL: number = 30 * 86400;

  /**
   * Seconds a new signing key is published in /jwks before anything is signed with it, so that
   * verifiers that cache the key set and refetch on an unknown `kid` at most every 30 s find it.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86400)
  KEY_PUBLISH_AHEAD: number = 120;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  RATE_LIMIT_WINDOW: number = 60;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  RATE_LIMIT_PER_CLIENT: number = 12_000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  RATE_LIMIT_PER_IP: number = 6_000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  CLIENT_AUTH_MAX_FAILURES: number = 5;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  CLIENT_AUTH_MAX_FAILURES_PER_IP: number = 20;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  CLIENT_AUTH_MAX_FAILURES_PER_CLIENT: number = 50;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_BCRYPT_PER_IP: number = 60;

  @IsOptional()
  @Transform(toBool)
  @IsIn([true, false], { message: 'must be true or false' })
  JWKS_URI_ALLOW_PRIVATE: boolean = false;

  @IsOptional()
  @IsIn(CLIENT_ASSERTION_AUDIENCES)
  CLIENT_ASSERTION_AUDIENCE: ClientAssertionAudience = 'issuer';

  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^(0|1|0?\.\d+|1\.0*)$/.test(value.trim()) ? Number(value) : value,
  )
  @IsNumber({}, { message: 'must be a number from 0 to 1' })
  @Min(0)
  @Max(1)
  DECISION_LOG_SAMPLE_RATE: number = 0.01;

  /**
   * Seconds a DPoP proof's `iat` may be from now at the access decisions (RFC 9449 §4.3 (11)),
   * at most the token endpoint's 60 (docs/decisions/0302-dpop-replay-in-memory-for-decisions.md).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60)
  DPOP_DECISION_WINDOW: number = 60;

  @IsOptional()
  @Matches(/^(x-original|x-forwarded|path)(,(x-original|x-forwarded|path))*$/, {
    message: 'must be a comma-separated list of x-original, x-forwarded and path',
  })
  GATEWAY_FORMS: string = GATEWAY_FORMS.join(',');

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKERS: number = 1;

  /** The listener's certificate chain (PEM); with TLS_KEY_FILE the listener speaks HTTPS. */
  @IsOptional()
  @IsString()
  TLS_CERT_FILE?: string;

  /** The listener's private key (PEM). */
  @IsOptional()
  @IsString()
  TLS_KEY_FILE?: string;

  /** The CAs of `tls_client_auth` clients (PEM bundle, RFC 8705 §2.1); docs/mtls.md. */
  @IsOptional()
  @IsString()
  TLS_CLIENT_CA_FILE?: string;

  /** Those CAs' certificate revocation lists (PEM, RFC 5280 §5). */
  @IsOptional()
  @IsString()
  TLS_CLIENT_CRL_FILE?: string;

  /** The mail server (docs/account.md): smtp:// (STARTTLS when offered) or smtps://; unset: mail goes to the log. */
  @IsOptional()
  @IsString()
  SMTP_URL?: string;

  /** The From of every mail: an address, or `Name <address>`. */
  @IsOptional()
  @IsString()
  MAIL_FROM?: string;

  @IsOptional()
  @IsIn(EMAIL_VERIFICATION_MODES, {
    message: `must be one of ${EMAIL_VERIFICATION_MODES.join(', ')}`,
  })
  EMAIL_VERIFICATION: EmailVerificationMode = 'optional';

  /**
   * Seconds an email verification link works (docs/decisions/0313-account-links.md): a day, so a
   * person who reads mail tomorrow morning still can; a link only proves the mailbox.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(7 * 86400)
  EMAIL_VERIFICATION_TTL: number = 86400;

  /** Seconds a password reset link works: it is as good as the password (OWASP: short). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  PASSWORD_RESET_TTL: number = 900;

  /** Mails (reset links, verification links) one account may be sent per MAIL_RATE_WINDOW. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  MAIL_RATE_PER_ACCOUNT: number = 5;

  /** Requests for such mails one source address (IPv6 /64) may make per MAIL_RATE_WINDOW. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  MAIL_RATE_PER_IP: number = 20;

  /** Seconds over which MAIL_RATE_PER_ACCOUNT and MAIL_RATE_PER_IP count. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  MAIL_RATE_WINDOW: number = 3600;
}

export type EnvironmentKey = keyof Environment;

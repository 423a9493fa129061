import {
  AccessTokenAlgorithm,
  ClientAssertionAudience,
  DpopNonceMode,
  EmailVerificationMode,
  GatewayForm,
  MfaRequiredMode,
  RegistrationMode,
} from './environment';
import { TlsSettings } from './tls-files';
import { WebAuthnSettings } from './webauthn-settings';

/** The validated, typed configuration every module reads (injected as `AppConfig`). */
export abstract class AppConfig {
  abstract readonly port: number;
  abstract readonly host: string;
  /** Used verbatim in discovery and in every token's `iss`. */
  abstract readonly issuer: string;
  abstract readonly database: {
    /** `undefined` means embedded PGlite under `dataDir`. */
    readonly url?: string;
    readonly dataDir: string;
    readonly migrationsRun: boolean;
    readonly poolSize: number;
  };
  abstract readonly admin: {
    readonly clientId?: string;
    readonly clientSecret?: string;
    /** The first admin person every start ensures (docs/console.md); both or neither. */
    readonly username?: string;
    readonly password?: string;
  };
  /** The admin console at /console and its client `gatehouse-console` (docs/console.md). */
  abstract readonly consoleEnabled: boolean;
  abstract readonly registration: {
    readonly mode: RegistrationMode;
    readonly initialAccessToken?: string;
  };
  abstract readonly keys: {
    /** 32 bytes that encrypt private signing keys at rest; `undefined` in embedded mode
     * means "generate one under dataDir". */
    readonly encryptionKey?: Buffer;
    readonly accessTokenAlgorithm: AccessTokenAlgorithm;
    /** Seconds a rotated-in key is published before it signs (0: it signs at once). */
    readonly publishAhead: number;
  };
  abstract readonly tokens: {
    readonly accessTokenLifetime: number;
    /** Absolute lifetime of a refresh token family, seconds (a client's own setting wins). */
    readonly refreshTokenLifetime: number;
    /** A refresh token unused this long expires, seconds. */
    readonly refreshTokenIdleLifetime: number;
  };
  abstract readonly signupEnabled: boolean;
  /** The WebAuthn relying party (docs/passkeys.md); undefined: passkeys are off. */
  abstract readonly webauthn?: WebAuthnSettings;
  /** RFC 9126 §5: a direct /authorize is refused for every client. */
  abstract readonly requirePushedAuthorizationRequests: boolean;
  /** Seconds a pushed request_uri stays usable (RFC 9126 §2.2 `expires_in`). */
  abstract readonly pushedAuthorizationRequestLifetime: number;
  /** RFC 9449 §8, §9: `required`: DPoP proofs carry a server nonce (`use_dpop_nonce` otherwise). */
  abstract readonly dpopNonce: DpopNonceMode;
  abstract readonly sessions: { readonly lifetime: number };
  abstract readonly loginThrottle: {
    readonly maxFailuresPerAccount: number;
    readonly maxFailuresPerIp: number;
    /** Seconds over which failures count, and how long a lock lasts. */
    readonly window: number;
  };
  /** Who must pass a second factor (docs/second-factors.md, Policy). */
  abstract readonly mfa: {
    readonly required: MfaRequiredMode;
    readonly requiredRoles: readonly string[];
    readonly requiredClients: readonly string[];
  };
  abstract readonly bcryptCost: number;
  /** Fewest characters a new password may have (8-72). */
  abstract readonly passwordMinLength: number;
  abstract readonly bodyLimit: number;
  /** Seconds a connection may take over a request's headers, a whole request, idle between requests, or silent. */
  abstract readonly httpTimeouts: {
    readonly headers: number;
    readonly request: number;
    readonly keepAlive: number;
    readonly idle: number;
  };
  abstract readonly logLevel: string;
  /** LOG_FORMAT; unset: pretty lines on a terminal, JSON lines otherwise (docs/observability.md). */
  abstract readonly logFormat: 'json' | 'pretty' | undefined;
  /**
   * Which X-Forwarded-For hops to believe for the client address (login throttling, audit):
   * false (the socket peer), true (any), a hop count, or proxy addresses/CIDRs.
   */
  abstract readonly trustProxy: boolean | number | string[];
  /** Seconds between scheduled signing key rotations; 0 turns the schedule off. */
  abstract readonly keyRotationInterval: number;
  abstract readonly rateLimits: {
    /** Shared counters for every process; in-process memory when unset. */
    readonly redisUrl?: string;
    /** Seconds per counting window. */
    readonly window: number;
    /** Requests per window per authenticated client_id on /token, /introspect, /revoke. */
    readonly perClient: number;
    /** Requests per window per client IP on /token, /introspect, /revoke, /register, /login. */
    readonly perIp: number;
    /** Failed client authentications per (client_id, source) before that pair backs off. */
    readonly clientAuthMaxFailures: number;
    /** Failed client authentications per source, over every client_id, before it backs off. */
    readonly clientAuthMaxFailuresPerIp: number;
    /**
     * Failed client authentications per client_id, from every source, past which each source
     * that has failed for it backs off (sources without failures go ahead).
     */
    readonly clientAuthMaxFailuresPerClient: number;
    /** bcrypt operations a source may cause per window (sign-up, passwords, client secrets). */
    readonly bcryptPerIp: number;
  };
  /** Development only: let jwks_uri point at loopback and private addresses. */
  abstract readonly jwksUriAllowPrivate: boolean;
  /** private_key_jwt `aud`: the issuer alone (default), or also the older forms (`legacy`). */
  abstract readonly clientAssertionAudience: ClientAssertionAudience;
  /** Share of allowed access decisions written to the decision log (denies are always written). */
  abstract readonly decisionLogSampleRate: number;
  /** Seconds a DPoP proof's `iat` may be from now at the access decisions (1 to 60). */
  abstract readonly dpopDecisionWindow: number;
  /** The ways /access/gateway learns the original request it judges (docs/gateways.md). */
  abstract readonly gatewayForms: readonly GatewayForm[];
  /**
   * The Prometheus metrics listener (docs/metrics.md), apart from the public one; undefined when
   * METRICS_PORT is unset (no metrics recorded).
   */
  abstract readonly metrics?: { readonly host: string; readonly port: number };
  /** Processes to run on this machine (node:cluster); embedded mode allows only one. */
  abstract readonly workers: number;
  /** The HTTPS listener and the trust of client certificates (RFC 8705, docs/mtls.md). */
  abstract readonly tls: TlsSettings;
  /** Outgoing mail (docs/account.md); `smtpUrl` undefined: mail is written to the log. */
  abstract readonly mail: {
    readonly smtpUrl?: string;
    /** RFC 5322 §3.6.2 From: `address` and an optional display `name`. */
    readonly from: { readonly address: string; readonly name?: string };
    /** Mails per account, and requests for mail per source, per `window` seconds. */
    readonly perAccount: number;
    readonly perIp: number;
    readonly window: number;
  };
  abstract readonly emailVerification: {
    readonly mode: EmailVerificationMode;
    /** Seconds a verification link works. */
    readonly ttl: number;
  };
  /** Seconds a password reset link works. */
  abstract readonly passwordResetTtl: number;
}

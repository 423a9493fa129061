import * as oauth from 'oauth4webapi';

/**
 * Signing in to the console (docs/console.md): the console is the public client
 * `gatehouse-console` of this Gatehouse, using the authorization code flow with PKCE
 * (RFC 7636) through oauth4webapi, an OpenID-certified relying-party library. Tokens live in this
 * module's memory only: never in the URL, localStorage or cookies. The PKCE verifier, state and
 * nonce sit in sessionStorage only between leaving for /authorize and coming back, and are
 * removed on return. A reload signs in again through the browser's Gatehouse session.
 */

/** What `GET /console/config.json` answers. */
export interface ConsoleConfig {
  issuer: string;
  client_id: string;
  scope: string;
}

/** The signed-in person, as the ID token names them. */
export interface Person {
  sub: string;
  name: string;
  scopes: string[];
}

interface Tokens {
  access: string;
  refresh: string | undefined;
  idToken: string | undefined;
  /** The ID token's claims, as oauth4webapi validated them (a refresh may bring none). */
  claims: oauth.IDToken | undefined;
  /** The scope the token endpoint granted (RFC 6749 §5.1). */
  scopes: string[];
  expiresAt: number;
}

interface PendingSignIn {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

export const ADMIN_SCOPE = 'iam:admin';
const PENDING_KEY = 'gatehouse.console.sign-in';
const CALLBACK_PATH = '/console/callback';
const SIGNED_OUT_PATH = '/console/signed-out';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 30_000;

let config: ConsoleConfig | undefined;
let server: oauth.AuthorizationServer | undefined;
let tokens: Tokens | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | undefined;

function client(): oauth.Client {
  return { client_id: settings().client_id };
}

function settings(): ConsoleConfig {
  if (!config) throw new Error('the console is not configured yet');
  return config;
}

function metadata(): oauth.AuthorizationServer {
  if (!server) throw new Error('the authorization server is not discovered yet');
  return server;
}

/** oauth4webapi refuses plain http unless told; an http issuer is the operator's own choice. */
function requestOptions(): { [oauth.allowInsecureRequests]?: boolean } {
  return new URL(settings().issuer).protocol === 'http:'
    ? { [oauth.allowInsecureRequests]: true }
    : {};
}

function redirectUri(): string {
  return new URL(CALLBACK_PATH, settings().issuer).toString();
}

/** Reads the console's settings and the issuer's metadata (OpenID Connect Discovery 1.0). */
export async function discover(): Promise<void> {
  if (server) return;
  const answer = await fetch('/console/config.json', { cache: 'no-store' });
  if (!answer.ok) throw new Error(`the console settings could not be read (${answer.status})`);
  config = (await answer.json()) as ConsoleConfig;
  const issuer = new URL(config.issuer);
  if (issuer.origin !== location.origin) {
    // Opened under another name than ISSUER: the redirect URI and the CSP's connect-src are the
    // issuer's, so continue there.
    location.replace(new URL(location.pathname + location.search, issuer).toString());
    return new Promise<never>(() => undefined);
  }
  const response = await oauth.discoveryRequest(issuer, {
    algorithm: 'oidc',
    ...requestOptions(),
  });
  server = await oauth.processDiscoveryResponse(issuer, response);
}

/** Leaves for /authorize; the browser comes back to /console/callback. */
export async function signIn(returnTo = currentPath()): Promise<never> {
  await discover();
  const pending: PendingSignIn = {
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    returnTo: safeReturnPath(returnTo),
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const authorize = new URL(metadata().authorization_endpoint!);
  authorize.search = new URLSearchParams({
    client_id: settings().client_id,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: settings().scope,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  }).toString();
  location.assign(authorize.toString());
  return new Promise<never>(() => undefined);
}

/** Whether this page load is the return from /authorize. */
export function isCallback(): boolean {
  return location.pathname === CALLBACK_PATH;
}

/**
 * Finishes the sign-in on /console/callback: checks state (and `iss`, RFC 9207), takes the code
 * out of the address bar at once, and redeems it with the PKCE verifier. Answers the path to go
 * back to.
 */
export async function completeSignIn(): Promise<string> {
  await discover();
  const saved = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const here = new URL(location.href);
  history.replaceState(null, '', CALLBACK_PATH);
  if (!saved) throw new SignInProblem('This sign-in was not started here, or was already used.');
  const pending = JSON.parse(saved) as PendingSignIn;
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(metadata(), client(), here, pending.state);
  } catch (error) {
    throw new SignInProblem(describeAuthorizationError(error));
  }
  const response = await oauth.authorizationCodeGrantRequest(
    metadata(),
    client(),
    oauth.None(),
    parameters,
    redirectUri(),
    pending.verifier,
    requestOptions(),
  );
  const result = await oauth.processAuthorizationCodeResponse(metadata(), client(), response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  keep(result);
  return pending.returnTo;
}

/** The person the tokens are for, or undefined before sign-in. */
export function person(): Person | undefined {
  const claims = tokens?.claims;
  if (!claims) return undefined;
  const name =
    (typeof claims.preferred_username === 'string' && claims.preferred_username) ||
    (typeof claims.name === 'string' && claims.name) ||
    String(claims.sub);
  return { sub: String(claims.sub), name, scopes: tokens?.scopes ?? [] };
}

/** Whether the signed-in person holds the admin right (iam:admin reached their token). */
export function isAdministrator(): boolean {
  return tokens?.scopes.includes(ADMIN_SCOPE) ?? false;
}

/** The current access token, refreshed first when it is about to expire. */
export async function accessToken(): Promise<string> {
  if (!tokens) return signIn();
  if (Date.now() > tokens.expiresAt - REFRESH_MARGIN_MS) await refresh();
  if (!tokens) return signIn();
  return tokens.access;
}

/**
 * Rotates the refresh token (RFC 9700 §4.14.2: each use answers a new one). One refresh at a
 * time; when it fails the person signs in again.
 */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      if (!tokens?.refresh) return false;
      const response = await oauth.refreshTokenGrantRequest(
        metadata(),
        client(),
        oauth.None(),
        tokens.refresh,
        requestOptions(),
      );
      keep(await oauth.processRefreshTokenResponse(metadata(), client(), response));
      return true;
    } catch {
      forget();
      return false;
    } finally {
      refreshing = undefined;
    }
  })();
  return refreshing;
}

/**
 * Signs out (OpenID Connect RP-Initiated Logout 1.0): revokes the refresh token (RFC 7009),
 * forgets every token, and leaves for the end-session endpoint, which ends the browser's
 * Gatehouse session and comes back to /console/signed-out.
 */
export async function signOut(): Promise<never> {
  await discover();
  const held = tokens;
  forget();
  if (held?.refresh && metadata().revocation_endpoint) {
    try {
      const response = await oauth.revocationRequest(
        metadata(),
        client(),
        oauth.None(),
        held.refresh,
        requestOptions(),
      );
      await oauth.processRevocationResponse(response);
    } catch {
      // The end-session endpoint below ends the session and its refresh tokens anyway.
    }
  }
  const endSession = metadata().end_session_endpoint;
  if (!endSession) {
    location.assign(SIGNED_OUT_PATH);
    return new Promise<never>(() => undefined);
  }
  const url = new URL(endSession);
  const parameters: Record<string, string> = {
    client_id: settings().client_id,
    post_logout_redirect_uri: new URL(SIGNED_OUT_PATH, settings().issuer).toString(),
  };
  if (held?.idToken) parameters.id_token_hint = held.idToken;
  url.search = new URLSearchParams(parameters).toString();
  location.assign(url.toString());
  return new Promise<never>(() => undefined);
}

function keep(result: oauth.TokenEndpointResponse): void {
  const lifetime = (result.expires_in ?? 300) * 1000;
  tokens = {
    access: result.access_token,
    refresh: result.refresh_token ?? tokens?.refresh,
    idToken: result.id_token ?? tokens?.idToken,
    claims: oauth.getValidatedIdTokenClaims(result) ?? tokens?.claims,
    scopes: typeof result.scope === 'string' ? result.scope.split(' ') : (tokens?.scopes ?? []),
    expiresAt: Date.now() + lifetime,
  };
  clearTimeout(refreshTimer);
  if (tokens.refresh) {
    refreshTimer = setTimeout(() => void refresh(), Math.max(5_000, lifetime - REFRESH_MARGIN_MS));
  }
}

function forget(): void {
  tokens = undefined;
  clearTimeout(refreshTimer);
}

function currentPath(): string {
  return location.pathname + location.search;
}

/** Only a path inside the console is a place to come back to (no open redirect). */
function safeReturnPath(path: string): string {
  return path.startsWith('/console') &&
    !path.startsWith('/console/callback') &&
    !path.includes('//')
    ? path
    : '/console/';
}

function describeAuthorizationError(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError) {
    return error.error_description
      ? `${error.error}: ${error.error_description}`
      : `Gatehouse answered ${error.error}.`;
  }
  return error instanceof Error ? error.message : 'The sign-in could not be completed.';
}

/** A sign-in that cannot complete, with a message for the person. */
export class SignInProblem extends Error {}

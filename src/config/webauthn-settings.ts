import { isIP } from 'node:net';

/** The WebAuthn relying party Gatehouse is (W3C WebAuthn Level 3 §5.1.2, docs/passkeys.md). */
export interface WebAuthnSettings {
  /** The RP ID: a registrable domain suffix of every origin's host (§5.1.4.1 step 7). */
  readonly rpId: string;
  /** The name authenticators show beside the account. */
  readonly rpName: string;
  /** Origins (`scheme://host[:port]`) whose ceremonies are accepted (§7.1 step 9, §7.2 step 13). */
  readonly origins: readonly string[];
}

export interface WebAuthnSettingNames {
  WEBAUTHN_RP_ID?: string;
  WEBAUTHN_ORIGINS?: string;
  WEBAUTHN_RP_NAME: string;
}

/** An origin as browsers serialize it (RFC 6454 §6.1), or undefined. */
function serializedOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    if (url.username || url.password) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** WebAuthn needs a secure context: https, or http on localhost (W3C Secure Contexts §3.1). */
function isSecureContext(origin: string): boolean {
  const { protocol, hostname } = new URL(origin);
  return protocol === 'https:' || hostname === 'localhost' || hostname.endsWith('.localhost');
}

/** WebAuthn §5.1.4.1 step 7: the RP ID is the origin's host or a domain suffix of it. */
function isRpIdOf(rpId: string, origin: string): boolean {
  const { hostname } = new URL(origin);
  return hostname === rpId || hostname.endsWith(`.${rpId}`);
}

/**
 * The relying party from WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS, else from the issuer: its host and
 * its origin. An issuer on an IP address has no RP ID (WebAuthn allows only domains), so
 * passkeys are off then unless the settings name a domain; a setting that cannot work is a
 * problem named at start.
 */
export function webAuthnSettings(
  names: WebAuthnSettingNames,
  issuer: string,
  problems: string[],
): WebAuthnSettings | undefined {
  // A malformed ISSUER is reported under its own name.
  if (!URL.canParse(issuer)) return undefined;
  const issuerOrigin = new URL(issuer).origin;
  const rpId = (names.WEBAUTHN_RP_ID ?? new URL(issuer).hostname).toLowerCase();
  const listed = names.WEBAUTHN_ORIGINS?.split(',').map((origin) => origin.trim());
  if (names.WEBAUTHN_RP_ID === undefined && !listed && isIP(rpId.replace(/^\[|\]$/g, ''))) {
    return undefined;
  }
  if (isIP(rpId.replace(/^\[|\]$/g, '')) || !/^[a-z0-9.-]{1,253}$/.test(rpId)) {
    problems.push('WEBAUTHN_RP_ID: must be a domain name, not an IP address (WebAuthn §5.1.2)');
    return undefined;
  }
  const origins: string[] = [];
  for (const value of listed ?? [issuerOrigin]) {
    const origin = serializedOrigin(value);
    if (!origin || origin !== value.replace(/\/$/, '')) {
      problems.push(
        `WEBAUTHN_ORIGINS: ${JSON.stringify(value)} is not an origin (scheme://host[:port])`,
      );
    } else if (!isSecureContext(origin)) {
      problems.push(`WEBAUTHN_ORIGINS: ${origin} must be https (or http on localhost)`);
    } else if (!isRpIdOf(rpId, origin)) {
      problems.push(`WEBAUTHN_ORIGINS: ${origin} is not on the RP ID ${rpId} or a subdomain of it`);
    } else if (!origins.includes(origin)) {
      origins.push(origin);
    }
  }
  if (origins.length === 0) return undefined;
  return { rpId, rpName: names.WEBAUTHN_RP_NAME, origins };
}

import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { FieldProblem, ValidationFailedError } from '../common/api-error';

/**
 * The JSON a browser posts back from a WebAuthn ceremony (WebAuthn §5.1.8 toJSON), read into a
 * fresh object of known members with every size bounded, before any library sees it; anything
 * else is a 400 that names the member.
 */

/** §5.1 rawId is at most 1023 bytes: 1364 base64url characters. */
const MAX_CREDENTIAL_ID = 1400;
const LIMITS = {
  clientDataJSON: 4096,
  attestationObject: 16384,
  authenticatorData: 4096,
  signature: 2048,
  /** §5.4.3 user.id is at most 64 bytes. */
  userHandle: 128,
} as const;
type AuthenticatorTransport = NonNullable<
  RegistrationResponseJSON['response']['transports']
>[number];

const TRANSPORTS: readonly AuthenticatorTransport[] = [
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
];
/** What the person may call a passkey. */
export const MAX_PASSKEY_NAME = 64;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

class Reader {
  readonly problems: FieldProblem[] = [];

  object(value: unknown, field: string): Record<string, unknown> {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    this.problems.push({ field, problem: 'must be an object' });
    return {};
  }

  base64url(value: unknown, field: string, max: number, optional = false): string | undefined {
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string') {
      this.problems.push({ field, problem: 'must be a base64url string' });
    } else if (value.length === 0 || value.length > max) {
      this.problems.push({ field, problem: `must be 1 to ${max} characters` });
    } else if (!BASE64URL.test(value)) {
      this.problems.push({ field, problem: 'must be base64url without padding' });
    } else {
      return value;
    }
    return undefined;
  }

  credentialId(body: Record<string, unknown>): string {
    const id = this.base64url(body.id, 'response.id', MAX_CREDENTIAL_ID);
    const rawId = this.base64url(body.rawId, 'response.rawId', MAX_CREDENTIAL_ID);
    if (id !== undefined && rawId !== undefined && id !== rawId) {
      this.problems.push({ field: 'response.rawId', problem: 'must equal response.id' });
    }
    if (body.type !== 'public-key') {
      this.problems.push({ field: 'response.type', problem: 'must be "public-key"' });
    }
    return id ?? '';
  }

  attachment(value: unknown): 'platform' | 'cross-platform' | undefined {
    if (value === undefined || value === null) return undefined;
    if (value === 'platform' || value === 'cross-platform') return value;
    this.problems.push({
      field: 'response.authenticatorAttachment',
      problem: 'must be "platform" or "cross-platform"',
    });
    return undefined;
  }

  transports(value: unknown): AuthenticatorTransport[] {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.length > TRANSPORTS.length) {
      this.problems.push({
        field: 'response.response.transports',
        problem: `must be an array of at most ${TRANSPORTS.length} strings`,
      });
      return [];
    }
    // Transports are hints (§5.8.4): unknown ones are dropped, not refused.
    const known = value.filter((t): t is AuthenticatorTransport =>
      TRANSPORTS.includes(t as AuthenticatorTransport),
    );
    return [...new Set(known)];
  }

  finish<T>(value: T): T {
    if (this.problems.length > 0) throw new ValidationFailedError(this.problems);
    return value;
  }
}

export function readRegistrationResponse(value: unknown): RegistrationResponseJSON {
  const reader = new Reader();
  const body = reader.object(value, 'response');
  const id = reader.credentialId(body);
  const inner = reader.object(body.response, 'response.response');
  const field = (name: keyof typeof LIMITS) =>
    reader.base64url(inner[name], `response.response.${name}`, LIMITS[name]) ?? '';
  return reader.finish({
    id,
    rawId: id,
    type: 'public-key',
    authenticatorAttachment: reader.attachment(body.authenticatorAttachment),
    clientExtensionResults: {},
    response: {
      clientDataJSON: field('clientDataJSON'),
      attestationObject: field('attestationObject'),
      transports: reader.transports(inner.transports),
    },
  });
}

export function readAuthenticationResponse(value: unknown): AuthenticationResponseJSON {
  const reader = new Reader();
  const body = reader.object(value, 'response');
  const id = reader.credentialId(body);
  const inner = reader.object(body.response, 'response.response');
  const field = (name: keyof typeof LIMITS) =>
    reader.base64url(inner[name], `response.response.${name}`, LIMITS[name]) ?? '';
  const userHandle =
    inner.userHandle === null
      ? undefined
      : reader.base64url(inner.userHandle, 'response.response.userHandle', LIMITS.userHandle, true);
  return reader.finish({
    id,
    rawId: id,
    type: 'public-key',
    authenticatorAttachment: reader.attachment(body.authenticatorAttachment),
    clientExtensionResults: {},
    response: {
      clientDataJSON: field('clientDataJSON'),
      authenticatorData: field('authenticatorData'),
      signature: field('signature'),
      ...(userHandle !== undefined ? { userHandle } : {}),
    },
  });
}

/** A passkey's name: trimmed, 1 to MAX_PASSKEY_NAME characters; `fallback` when absent. */
export function readPasskeyName(value: unknown, fallback?: string): string {
  if ((value === undefined || value === '') && fallback !== undefined) return fallback;
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0 || Array.from(name).length > MAX_PASSKEY_NAME) {
    throw new ValidationFailedError([
      { field: 'name', problem: `must be 1 to ${MAX_PASSKEY_NAME} characters` },
    ]);
  }
  return name;
}

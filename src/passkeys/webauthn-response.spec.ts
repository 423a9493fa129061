import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ValidationFailedError } from '../common/api-error';
import {
  readAuthenticationResponse,
  readPasskeyName,
  readRegistrationResponse,
} from './webauthn-response';

const ASSERTION = {
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  type: 'public-key',
  authenticatorAttachment: 'platform',
  clientExtensionResults: { anything: 'ignored' },
  response: {
    clientDataJSON: 'e30',
    authenticatorData: 'AAAA',
    signature: 'MEUC',
    userHandle: 'dQ',
  },
  extra: 'dropped',
};

function problems(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.details;
    throw error;
  }
  return [];
}

describe(readAuthenticationResponse.name, () => {
  it('keeps only the members WebAuthn defines, extensions dropped', () => {
    expect(readAuthenticationResponse(ASSERTION)).toEqual({
      id: 'Y3JlZA',
      rawId: 'Y3JlZA',
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: 'e30',
        authenticatorData: 'AAAA',
        signature: 'MEUC',
        userHandle: 'dQ',
      },
    });
  });

  it('treats a null user handle as absent', () => {
    const read = readAuthenticationResponse({
      ...ASSERTION,
      response: { ...ASSERTION.response, userHandle: null },
    });
    expect(read.response).not.toHaveProperty('userHandle');
  });

  it('names every member that is missing, too long, not base64url or of the wrong type', () => {
    expect(
      problems(() =>
        readAuthenticationResponse({
          id: 'x'.repeat(1401),
          rawId: 7,
          type: 'public-key',
          authenticatorAttachment: 'usb',
          response: { clientDataJSON: 'e30=', authenticatorData: '', signature: ['a'] },
        }),
      ),
    ).toEqual([
      { field: 'response.id', problem: 'must be 1 to 1400 characters' },
      { field: 'response.rawId', problem: 'must be a base64url string' },
      {
        field: 'response.authenticatorAttachment',
        problem: 'must be "platform" or "cross-platform"',
      },
      { field: 'response.response.clientDataJSON', problem: 'must be base64url without padding' },
      { field: 'response.response.authenticatorData', problem: 'must be 1 to 4096 characters' },
      { field: 'response.response.signature', problem: 'must be a base64url string' },
    ]);
  });
});

describe(readRegistrationResponse.name, () => {
  it('drops unknown and repeated transports, which are only hints', () => {
    const read = readRegistrationResponse({
      id: 'Y3JlZA',
      rawId: 'Y3JlZA',
      type: 'public-key',
      response: {
        clientDataJSON: 'e30',
        attestationObject: 'o2Nm',
        transports: ['internal', 'warp-drive', 'internal', 'hybrid'],
      },
    });
    expect(read.response.transports).toEqual(['internal', 'hybrid']);
  });

  it('refuses an attestation object over 16 KiB', () => {
    expect(
      problems(() =>
        readRegistrationResponse({
          id: 'Y3JlZA',
          rawId: 'Y3JlZA',
          type: 'public-key',
          response: { clientDataJSON: 'e30', attestationObject: 'A'.repeat(16385) },
        }),
      ),
    ).toEqual([
      { field: 'response.response.attestationObject', problem: 'must be 1 to 16384 characters' },
    ]);
  });
});

describe(readPasskeyName.name, () => {
  it('trims, falls back when absent, and counts characters rather than UTF-16 units', () => {
    expect(readPasskeyName('  Phone ')).toBe('Phone');
    expect(readPasskeyName(undefined, 'Passkey')).toBe('Passkey');
    expect(readPasskeyName('🔑'.repeat(64))).toBe('🔑'.repeat(64));
    expect(problems(() => readPasskeyName('🔑'.repeat(65)))).toEqual([
      { field: 'name', problem: 'must be 1 to 64 characters' },
    ]);
    expect(problems(() => readPasskeyName(' '))).toEqual([
      { field: 'name', problem: 'must be 1 to 64 characters' },
    ]);
  });
});

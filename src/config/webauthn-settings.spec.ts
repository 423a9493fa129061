import { expect } from 'expect';
import { describe, it } from 'node:test';
import { webAuthnSettings } from './webauthn-settings';

const NAME = { WEBAUTHN_RP_NAME: 'Gatehouse' };

function settings(names: Record<string, string>, issuer: string) {
  const problems: string[] = [];
  const sut = webAuthnSettings({ ...NAME, ...names }, issuer, problems);
  return { sut, problems };
}

describe(webAuthnSettings.name, () => {
  it('derives the RP ID and the one origin from the issuer', () => {
    expect(settings({}, 'https://id.example.com/tenant')).toEqual({
      sut: { rpId: 'id.example.com', rpName: 'Gatehouse', origins: ['https://id.example.com'] },
      problems: [],
    });
  });

  it('leaves passkeys off for an issuer on an IP address (WebAuthn RP IDs are domains)', () => {
    expect(settings({}, 'http://127.0.0.1:3000')).toEqual({ sut: undefined, problems: [] });
    expect(settings({}, 'http://[::1]:3000')).toEqual({ sut: undefined, problems: [] });
  });

  it('accepts a parent domain as RP ID and several origins on it', () => {
    const { sut } = settings(
      {
        WEBAUTHN_RP_ID: 'Example.com',
        WEBAUTHN_ORIGINS: 'https://id.example.com, https://example.com/',
      },
      'https://id.example.com',
    );
    expect(sut).toEqual({
      rpId: 'example.com',
      rpName: 'Gatehouse',
      origins: ['https://id.example.com', 'https://example.com'],
    });
  });

  it('names each setting that cannot work', () => {
    expect(settings({ WEBAUTHN_RP_ID: '10.0.0.1' }, 'https://id.example.com').problems).toEqual([
      'WEBAUTHN_RP_ID: must be a domain name, not an IP address (WebAuthn §5.1.2)',
    ]);
    expect(
      settings(
        {
          WEBAUTHN_ORIGINS:
            'https://evil.example,http://id.example.com,https://id.example.com/path,https://user@id.example.com',
        },
        'https://id.example.com',
      ).problems,
    ).toEqual([
      'WEBAUTHN_ORIGINS: https://evil.example is not on the RP ID id.example.com or a subdomain of it',
      'WEBAUTHN_ORIGINS: http://id.example.com must be https (or http on localhost)',
      'WEBAUTHN_ORIGINS: "https://id.example.com/path" is not an origin (scheme://host[:port])',
      'WEBAUTHN_ORIGINS: "https://user@id.example.com" is not an origin (scheme://host[:port])',
    ]);
  });

  it('allows http only on localhost, a secure context', () => {
    expect(settings({}, 'http://localhost:3000').sut?.origins).toEqual(['http://localhost:3000']);
    expect(settings({}, 'http://id.example.com').problems).toEqual([
      'WEBAUTHN_ORIGINS: http://id.example.com must be https (or http on localhost)',
    ]);
  });
});

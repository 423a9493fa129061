import { expect } from 'expect';
import { describe, it } from 'node:test';
import { Client } from '../clients/client';
import {
  RedirectableError,
  redirectUriMatches,
  resolveRedirectUri,
  UntrustedRequestError,
} from './authorization-request';

describe(redirectUriMatches.name, () => {
  const sut = redirectUriMatches;

  it('matches the registered URI as the same string (RFC 6749 §3.1.2.3)', () => {
    expect(sut('https://app.example.com/cb', 'https://app.example.com/cb')).toBe(true);
    expect(sut('https://app.example.com/cb?a=1', 'https://app.example.com/cb?a=1')).toBe(true);
  });

  const different: [string, string][] = [
    ['a trailing slash', 'https://app.example.com/cb/'],
    ['another letter case in the host', 'https://App.example.com/cb'],
    ['another letter case in the path', 'https://app.example.com/CB'],
    ['an added query', 'https://app.example.com/cb?next=/admin'],
    ['an added fragment', 'https://app.example.com/cb#x'],
    ['an explicit default port', 'https://app.example.com:443/cb'],
    ['another port on a non-loopback host', 'https://app.example.com:8443/cb'],
    ['a sub-path', 'https://app.example.com/cb/more'],
    ['a dot segment', 'https://app.example.com/x/../cb'],
    ['percent-encoding', 'https://app.example.com/%63b'],
    ['another host', 'https://app.example.com.evil.example/cb'],
  ];
  for (const [what, requested] of different) {
    it(`refuses ${what}: no normalisation, no prefix match`, () => {
      expect(sut(requested, 'https://app.example.com/cb')).toBe(false);
    });
  }

  it('accepts any port on a loopback IPv4 redirect (RFC 8252 §7.3)', () => {
    expect(sut('http://127.0.0.1:51234/callback', 'http://127.0.0.1:8080/callback')).toBe(true);
    expect(sut('http://127.0.0.1:51234/callback', 'http://127.0.0.1/callback')).toBe(true);
    expect(sut('http://127.0.0.1/callback', 'http://127.0.0.1:8080/callback')).toBe(true);
    expect(sut('http://127.0.0.1:1/cb?x=1', 'http://127.0.0.1:2/cb?x=1')).toBe(true);
  });

  it('accepts any port on a loopback IPv6 redirect (RFC 8252 §7.3)', () => {
    expect(sut('http://[::1]:61000/cb', 'http://[::1]/cb')).toBe(true);
  });

  const loopbackDifferent: [string, string][] = [
    ['another path', 'http://127.0.0.1:9000/other'],
    ['another query', 'http://127.0.0.1:9000/callback?x=1'],
    ['a fragment', 'http://127.0.0.1:9000/callback#x'],
    ['another loopback address', 'http://127.0.0.2:9000/callback'],
    ['the name localhost', 'http://localhost:9000/callback'],
    ['https instead of http', 'https://127.0.0.1:9000/callback'],
    ['userinfo that hides another host', 'http://127.0.0.1:9000@evil.example/callback'],
    ['a dot segment', 'http://127.0.0.1:9000/x/../callback'],
    ['a padded address', 'http://127.000.0.1:9000/callback'],
  ];
  for (const [what, requested] of loopbackDifferent) {
    it(`refuses a loopback redirect with ${what}: only the port may vary`, () => {
      expect(sut(requested, 'http://127.0.0.1:8080/callback')).toBe(false);
    });
  }
});

describe(resolveRedirectUri.name, () => {
  const client = (redirectUris: string[]) => ({ redirectUris }) as Client;
  const sut = resolveRedirectUri;

  it('uses the only registered URI when the request names none (RFC 6749 §3.1.2.3)', () => {
    expect(sut(client(['https://app.example.com/cb']), undefined)).toBe(
      'https://app.example.com/cb',
    );
  });

  it('requires redirect_uri when several are registered, as an error for our page', () => {
    const several = client(['https://app.example.com/a', 'https://app.example.com/b']);
    expect(() => sut(several, undefined)).toThrow(
      new UntrustedRequestError('redirect_uri is required: the client registered several'),
    );
    expect(() => sut(several, undefined)).toThrow(UntrustedRequestError);
  });

  it('refuses when the client registered none', () => {
    expect(() => sut(client([]), undefined)).toThrow(UntrustedRequestError);
    expect(() => sut(client([]), 'https://app.example.com/cb')).toThrow(UntrustedRequestError);
  });

  it('returns the registered URI the request names', () => {
    const several = client(['https://app.example.com/a', 'https://app.example.com/b']);
    expect(sut(several, 'https://app.example.com/b')).toBe('https://app.example.com/b');
  });

  it('returns the requested loopback URI, port included, to redirect to it', () => {
    expect(sut(client(['http://127.0.0.1/cb']), 'http://127.0.0.1:49152/cb')).toBe(
      'http://127.0.0.1:49152/cb',
    );
  });

  it('refuses an unregistered URI as an error for our page, never a redirect', () => {
    const error = (() => {
      try {
        sut(client(['https://app.example.com/cb']), 'https://evil.example/cb');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UntrustedRequestError);
    expect(error).not.toBeInstanceOf(RedirectableError);
    expect((error as UntrustedRequestError).description).toBe(
      'redirect_uri is not registered for this client',
    );
  });
});

describe(RedirectableError.name, () => {
  it('carries the error, its description, the verified redirect URI and state', () => {
    const sut = new RedirectableError('invalid_scope', 'bad', 'https://app.example.com/cb', 's');
    expect(sut).toBeInstanceOf(Error);
    expect({ ...sut, message: sut.message }).toEqual({
      error: 'invalid_scope',
      description: 'bad',
      redirectUri: 'https://app.example.com/cb',
      state: 's',
      message: 'bad',
    });
  });
});

import { expect } from 'expect';
import { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { ClientAddressReader } from '../../common/http/client-address';
import { ClientCertificateReader } from '../../common/http/client-certificate';
import { presentedToken } from './presentation';

function request(headers: Record<string, string>, remoteAddress = '10.0.0.1'): IncomingMessage {
  return { headers, socket: { remoteAddress, encrypted: false } } as unknown as IncomingMessage;
}

const TRUSTING = {
  certificates: new ClientCertificateReader(['10.0.0.1']),
  addresses: new ClientAddressReader(['10.0.0.1']),
};
const original = { method: 'GET', uri: '/api/x?q=1#f' };

describe(presentedToken.name, () => {
  it('reads the scheme: Bearer, DPoP, or neither (no token)', () => {
    const scheme = (authorization: string) => {
      const { token, presented } = presentedToken(
        request({ authorization }),
        original,
        TRUSTING,
        'gateway',
      );
      return { token, scheme: presented.scheme };
    };
    expect(scheme('Bearer abc')).toEqual({ token: 'abc', scheme: 'Bearer' });
    expect(scheme('dpop abc')).toEqual({ token: 'abc', scheme: 'DPoP' });
    expect(scheme('Basic abc')).toEqual({ token: undefined, scheme: 'Bearer' });
  });

  it('rebuilds the original URL from X-Forwarded-Proto, X-Forwarded-Host (else Host) and the URI', () => {
    const url = (
      headers: Record<string, string>,
      forwarded: 'gateway' | 'trusted-proxy',
      from?: string,
    ) => presentedToken(request(headers, from), original, TRUSTING, forwarded).presented.url();
    const forwarded = {
      host: 'gatehouse:3000',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.com',
    };
    expect(url(forwarded, 'gateway')).toBe('https://api.example.com/api/x');
    expect(url({ host: 'api.example.com:8443' }, 'gateway')).toBe(
      'http://api.example.com:8443/api/x',
    );
    expect(url({ ...forwarded, 'x-forwarded-host': 'a.example, b.example' }, 'gateway')).toBe(
      'https://a.example/api/x',
    );
    expect(url({ host: '[::1]:3000' }, 'gateway')).toBe('http://[::1]:3000/api/x');
    // At /access/check, forwarded headers count only from a trusted proxy.
    expect(url(forwarded, 'trusted-proxy')).toBe('https://api.example.com/api/x');
    expect(url(forwarded, 'trusted-proxy', '203.0.113.7')).toBe('http://gatehouse:3000/api/x');
  });

  it('reads the address only when asked: the peer, or what a trusted proxy forwards', () => {
    const address = (headers: Record<string, string>, from?: string) =>
      presentedToken(request(headers, from), original, TRUSTING, 'gateway').presented.address?.();
    expect(address({})).toBe('10.0.0.1');
    expect(address({ 'x-forwarded-for': '198.51.100.4' })).toBe('198.51.100.4');
    expect(address({ 'x-real-ip': '198.51.100.5' })).toBe('198.51.100.5');
    expect(address({ 'x-forwarded-for': '198.51.100.4' }, '203.0.113.7')).toBe('203.0.113.7');
    expect(address({ 'x-real-ip': '198.51.100.5' }, '203.0.113.7')).toBe('203.0.113.7');
  });

  it('cannot tell the URL from a host or scheme that is not one', () => {
    const url = (headers: Record<string, string>) =>
      presentedToken(request(headers), original, TRUSTING, 'gateway').presented.url();
    expect(url({})).toBeUndefined();
    expect(url({ host: 'evil.example/other' })).toBeUndefined();
    expect(url({ host: 'user@evil.example' })).toBeUndefined();
    expect(url({ host: 'api.example.com', 'x-forwarded-proto': 'ftp' })).toBeUndefined();
  });
});

import { expect } from 'expect';
import { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { ClientAddressReader } from './client-address';

function request(remoteAddress: string | undefined, headers: Record<string, string | string[]>) {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

describe(ClientAddressReader.name, () => {
  const proxyList = new ClientAddressReader(['10.0.0.0/8']);

  it('is the peer when the peer is not a trusted proxy, whatever it forwards', () => {
    expect(proxyList.read(request('203.0.113.9', {}))).toBe('203.0.113.9');
    expect(
      proxyList.read(
        request('203.0.113.9', { 'x-forwarded-for': '198.51.100.4', 'x-real-ip': '198.51.100.5' }),
      ),
    ).toBe('203.0.113.9');
    expect(
      new ClientAddressReader(false).read(request('10.0.0.1', { 'x-real-ip': '1.2.3.4' })),
    ).toBe('10.0.0.1');
    expect(proxyList.read(request(undefined, { 'x-forwarded-for': '1.2.3.4' }))).toBeUndefined();
  });

  it('walks X-Forwarded-For from the right past trusted hops, as Fastify does', () => {
    const from = (forwarded: string) =>
      proxyList.read(request('10.0.0.1', { 'x-forwarded-for': forwarded }));
    expect(from('198.51.100.4')).toBe('198.51.100.4');
    expect(from('203.0.113.66, 198.51.100.4')).toBe('198.51.100.4');
    expect(from('198.51.100.4, 10.1.2.3')).toBe('198.51.100.4');
    expect(from('2001:db8::1')).toBe('2001:db8::1');
    // Not an address: none, rather than a made-up one.
    expect(from('evil, <script>')).toBeUndefined();
    // An empty header forwards nobody: the proxy itself, as Fastify's request.ip says.
    expect(from('')).toBe('10.0.0.1');
  });

  it('believes a hop count or every peer as TRUST_PROXY says', () => {
    const forwarded = { 'x-forwarded-for': '198.51.100.4, 203.0.113.66' };
    expect(new ClientAddressReader(1).read(request('192.0.2.1', forwarded))).toBe('203.0.113.66');
    expect(new ClientAddressReader(2).read(request('192.0.2.1', forwarded))).toBe('198.51.100.4');
    expect(new ClientAddressReader(true).read(request('192.0.2.1', forwarded))).toBe(
      '198.51.100.4',
    );
    expect(new ClientAddressReader(0).read(request('192.0.2.1', forwarded))).toBe('192.0.2.1');
  });

  it('falls back to X-Real-IP from a trusted proxy, then to the proxy itself', () => {
    expect(proxyList.read(request('10.0.0.1', { 'x-real-ip': ' 198.51.100.5 ' }))).toBe(
      '198.51.100.5',
    );
    expect(proxyList.read(request('10.0.0.1', { 'x-real-ip': 'localhost' }))).toBeUndefined();
    expect(
      proxyList.read(request('10.0.0.1', { 'x-real-ip': ['1.2.3.4', '5.6.7.8'] })),
    ).toBeUndefined();
    expect(proxyList.read(request('10.0.0.1', {}))).toBe('10.0.0.1');
  });
});

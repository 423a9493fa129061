import { expect } from 'expect';
import { describe, it } from 'node:test';
import { nonPublicRange } from './network-address.policy';

describe(nonPublicRange.name, () => {
  const sut = nonPublicRange;

  const refused: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['fc00::1', 'unique local (private)'],
    ['fd00:ec2::254', 'unique local (private)'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'shared address space (CGNAT)'],
    ['100.127.255.254', 'shared address space (CGNAT)'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'],
    ['::ffff:7f00:1', 'IPv4-mapped'],
    ['::ffff:10.0.0.1', 'IPv4-mapped'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['64:ff9b::a00:1', 'NAT64'],
    ['2002:7f00:1::', '6to4'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['192.0.2.10', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['fec0::1', 'site-local'],
  ];
  for (const [address, range] of refused) {
    it(`${address} is ${range}`, () => {
      expect(sut(address)).toBe(range);
    });
  }

  it('public unicast addresses pass', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.215.14',
      '100.63.255.255',
      '100.128.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '169.253.255.255',
      '2606:4700:4700::1111',
      '[2a00:1450:4001:80e::200e]',
    ]) {
      expect(sut(address)).toBeUndefined();
    }
  });

  it('a scoped address with a zone index is refused', () => {
    expect(sut('fe80::1%eth0')).toBe('scoped (zone index)');
  });

  it('what is not an IP address is refused', () => {
    expect(sut('localhost')).toBe('not an IP address');
    expect(sut('example.com')).toBe('not an IP address');
    expect(sut('')).toBe('not an IP address');
    expect(sut('127.0.0.1.')).toBe('not an IP address');
  });
});

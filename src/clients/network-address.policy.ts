import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/**
 * Address ranges a server-side fetch (jwks_uri) must never reach: everything that is not a
 * globally reachable unicast address (IANA IPv4/IPv6 Special-Purpose Address Registries,
 * RFC 6890). The more specific range comes first, so the reason names it.
 */
const RANGES: ReadonlyArray<readonly [name: string, network: string, prefix: number, Family]> = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'], // RFC 1122 §3.2.1.3 "this network"
  ['private', '10.0.0.0', 8, 'ipv4'], // RFC 1918
  ['shared address space (CGNAT)', '100.64.0.0', 10, 'ipv4'], // RFC 6598
  ['loopback', '127.0.0.0', 8, 'ipv4'], // RFC 1122
  ['link-local', '169.254.0.0', 16, 'ipv4'], // RFC 3927, where cloud metadata services live
  ['private', '172.16.0.0', 12, 'ipv4'], // RFC 1918
  ['IETF protocol assignments', '192.0.0.0', 24, 'ipv4'], // RFC 6890
  ['documentation', '192.0.2.0', 24, 'ipv4'], // RFC 5737
  ['private', '192.168.0.0', 16, 'ipv4'], // RFC 1918
  ['benchmarking', '198.18.0.0', 15, 'ipv4'], // RFC 2544
  ['documentation', '198.51.100.0', 24, 'ipv4'], // RFC 5737
  ['documentation', '203.0.113.0', 24, 'ipv4'], // RFC 5737
  ['multicast', '224.0.0.0', 4, 'ipv4'], // RFC 5771
  ['reserved or broadcast', '240.0.0.0', 4, 'ipv4'], // RFC 1112, RFC 919
  ['unspecified', '::', 128, 'ipv6'], // RFC 4291 §2.5.2
  ['loopback', '::1', 128, 'ipv6'], // RFC 4291 §2.5.3
  // RFC 4291 §2.5.5.2: an IPv4-mapped address reaches the IPv4 host it embeds, whatever it is.
  ['IPv4-mapped', '::ffff:0:0', 96, 'ipv6'],
  ['IPv4-compatible', '::', 96, 'ipv6'], // RFC 4291 §2.5.5.1, deprecated
  ['NAT64', '64:ff9b::', 96, 'ipv6'], // RFC 6052: translated to an embedded IPv4 address
  ['NAT64 local-use', '64:ff9b:1::', 48, 'ipv6'], // RFC 8215
  ['discard-only', '100::', 64, 'ipv6'], // RFC 6666
  ['Teredo', '2001::', 32, 'ipv6'], // RFC 4380: embeds an IPv4 address
  ['documentation', '2001:db8::', 32, 'ipv6'], // RFC 3849
  ['6to4', '2002::', 16, 'ipv6'], // RFC 3056: embeds an IPv4 address
  ['unique local (private)', 'fc00::', 7, 'ipv6'], // RFC 4193
  ['link-local', 'fe80::', 10, 'ipv6'], // RFC 4291 §2.5.6
  ['site-local', 'fec0::', 10, 'ipv6'], // RFC 3879, deprecated
  ['multicast', 'ff00::', 8, 'ipv6'], // RFC 4291 §2.7
];

const BLOCKS = RANGES.map(([name, network, prefix, family]) => {
  const block = new BlockList();
  block.addSubnet(network, prefix, family);
  return { name, family, block };
});

/**
 * Why `address` (an IP address; IPv6 with or without brackets) is not a public unicast address,
 * or undefined when it is one. Anything that does not parse as an address is refused.
 */
export function nonPublicRange(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // A zone index (fe80::1%eth0) only exists for link-local and other scoped addresses.
  if (bare.includes('%')) return 'scoped (zone index)';
  const version = isIP(bare);
  if (version === 0) return 'not an IP address';
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  return BLOCKS.find((range) => range.family === family && range.block.check(bare, family))?.name;
}

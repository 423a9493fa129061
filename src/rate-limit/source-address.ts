/**
 * The part of an address that names one source: IPv4 whole; IPv6 by its /64 (RFC 4291 §2.5.4:
 * one network gets a /64, so rotating the interface id must not escape a limit); an
 * IPv4-mapped IPv6 address as its IPv4. Every counter kept per source (request rate limits,
 * failed logins, failed client authentications, the bcrypt budget) keys on this.
 */
export function addressKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  const [head, tail] = ip.toLowerCase().split('::');
  const first = head ? head.split(':') : [];
  const last = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? first
      : [
          ...first,
          ...Array<string>(Math.max(0, 8 - first.length - last.length)).fill('0'),
          ...last,
        ];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

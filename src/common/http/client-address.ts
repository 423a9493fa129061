import { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';
import { TrustProxySetting, trustOfNearestPeer } from './client-certificate';

/**
 * The address of the client a request is from, for the hot routes (served ahead of Fastify), as
 * Fastify's `request.ip` tells it on the other routes: the connection's peer, unless the peer is
 * a proxy TRUST_PROXY trusts; then `X-Forwarded-For`, walked from the right past every trusted
 * hop (proxy-addr, as Fastify does), or, without it, `X-Real-IP`. A forwarded value that is not
 * an IP address gives no address at all rather than a made-up one.
 */
export class ClientAddressReader {
  private readonly trustedPeer: (address: string) => boolean;
  private readonly trustedHop: (address: string, hop: number) => boolean;

  constructor(trustProxy: TrustProxySetting) {
    this.trustedPeer = trustOfNearestPeer(trustProxy);
    this.trustedHop = trustOfHops(trustProxy);
  }

  read(request: IncomingMessage): string | undefined {
    const peer = request.socket.remoteAddress;
    if (peer === undefined || !this.trustedPeer(peer)) return peer;
    const forwarded = request.headers['x-forwarded-for'];
    if (forwarded !== undefined) return anAddress(proxyAddr(request, this.trustedHop));
    const real = request.headers['x-real-ip'];
    if (real === undefined) return peer;
    return typeof real === 'string' ? anAddress(real.trim()) : undefined;
  }
}

/** TRUST_PROXY as Fastify applies it to each hop of X-Forwarded-For (its `trustProxy`). */
function trustOfHops(setting: TrustProxySetting): (address: string, hop: number) => boolean {
  if (typeof setting === 'boolean') return () => setting;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting);
}

function anAddress(value: string): string | undefined {
  return isIP(value) === 0 ? undefined : value;
}

import { expect } from 'expect';
import { beforeEach, describe, it } from 'node:test';
import { AppConfig } from '../config/app-config';
import { MAX_MEMORY_ENTRIES, MemoryStore } from './memory.store';
import { RateLimiter } from './rate-limiter.service';
import { TestClock } from '../../test/support/clock';

const config = { rateLimits: { window: 60, perIp: 4, perClient: 2 } } as AppConfig;

describe(RateLimiter.name, () => {
  let clock: TestClock;
  let sut: RateLimiter;

  beforeEach(() => {
    clock = new TestClock(1_700_000_000_000);
    sut = new RateLimiter(config, new MemoryStore(MAX_MEMORY_ENTRIES, clock), clock);
  });

  const consume = async (times: number, ip: string) => {
    const waits: number[] = [];
    for (let i = 0; i < times; i++) waits.push(await sut.consume(ip));
    return waits;
  };

  it('lets perIp requests from one address through, then answers the seconds left', async () => {
    expect(await consume(4, '10.0.0.1')).toEqual([0, 0, 0, 0]);
    clock.advance(15_000);
    expect(await consume(1, '10.0.0.1')).toEqual([45]);
    expect(await consume(1, '10.0.0.2')).toEqual([0]);
  });

  it('lets perClient requests of one authenticated client_id through, then answers the seconds left', async () => {
    expect(await sut.consumeClient('c1')).toBe(0);
    expect(await sut.consumeClient('c1')).toBe(0);
    clock.advance(10_000);
    expect(await sut.consumeClient('c1')).toBe(50);
    expect(await sut.consumeClient('c2')).toBe(0);
  });

  it('keeps the address and client counts apart', async () => {
    await sut.consumeClient('10.0.0.1');
    await sut.consumeClient('10.0.0.1');
    expect(await consume(1, '10.0.0.1')).toEqual([0]);
  });

  it('lets requests through again when the window resets', async () => {
    await consume(4, '10.0.0.1');
    clock.advance(60_000);
    expect(await consume(1, '10.0.0.1')).toEqual([0]);
  });

  it('counts one IPv6 /64 as one address', async () => {
    await consume(2, '2001:db8:1:2::a');
    await consume(2, '2001:db8:1:2:ffff:ffff:ffff:ffff');
    expect(await consume(1, '2001:0db8:0001:0002::1')).toEqual([60]);
    expect(await consume(1, '2001:db8:1:3::a')).toEqual([0]);
  });
});

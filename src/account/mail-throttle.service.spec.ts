import { expect } from 'expect';
import { describe, it } from 'node:test';
import { SystemClock } from '../common/clock';
import { loadConfig } from '../config/load-config';
import { RateLimitUnavailableError } from '../rate-limit/rate-limit.errors';
import { RateLimitStore, RateLimitStoreUnavailableError } from '../rate-limit/rate-limit.store';
import { MemoryStore } from '../rate-limit/memory.store';
import { MailThrottle } from './mail-throttle.service';

const clock = new SystemClock();
const config = loadConfig({ MAIL_RATE_PER_ACCOUNT: '2', MAIL_RATE_PER_IP: '5' });

describe(MailThrottle.name, () => {
  it('lets MAIL_RATE_PER_ACCOUNT requests per account and source through, then answers a wait', async () => {
    const sut = new MailThrottle(config, new MemoryStore(1000, clock), clock);

    expect(await sut.admit('Alice', '192.0.2.1')).toBe(0);
    expect(await sut.admit('alice', '192.0.2.1')).toBe(0);
    expect(await sut.admit('ALICE', '192.0.2.1')).toBeGreaterThan(0);
    // Another network still gets the owner's mail.
    expect(await sut.admit('alice', '198.51.100.7')).toBe(0);
  });

  it('counts every identifier from one source against MAIL_RATE_PER_IP (IPv6 per /64)', async () => {
    const sut = new MailThrottle(config, new MemoryStore(1000, clock), clock);
    for (let i = 0; i < 5; i++) expect(await sut.admit(`user${i}`, `2001:db8::${i + 1}`)).toBe(0);
    expect(await sut.admit('user9', '2001:db8::ffff')).toBeGreaterThan(0);
  });

  it('caps an account from every source at four times the per-account limit', async () => {
    const sut = new MailThrottle(config, new MemoryStore(1000, clock), clock);
    for (let i = 0; i < 8; i++) expect(await sut.admit('bob', `203.0.113.${i}`)).toBe(0);
    expect(await sut.admit('bob', '203.0.113.200')).toBeGreaterThan(0);
  });

  it('refuses when the store cannot answer (fail closed)', async () => {
    const broken = {
      increment: () => Promise.reject(new RateLimitStoreUnavailableError(new Error('down'))),
    } as unknown as RateLimitStore;
    const sut = new MailThrottle(config, broken, clock);
    await expect(sut.admit('alice', '192.0.2.1')).rejects.toBeInstanceOf(RateLimitUnavailableError);
  });
});

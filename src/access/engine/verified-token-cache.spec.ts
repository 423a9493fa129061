import { expect } from 'expect';
import { describe, it } from 'node:test';
import { VerifiedTokenCache } from './verified-token-cache';

const NOW_MS = 1_800_000_000_000;
const facts = (exp: number, jti = 'j') => ({ jti, exp });

describe(VerifiedTokenCache.name, () => {
  it('answers what was read from a verified token until its exp', () => {
    const sut = new VerifiedTokenCache();
    const entry = facts(NOW_MS / 1000 + 60);
    sut.set('token', entry);
    expect(sut.get('token', NOW_MS)).toBe(entry);
    expect(sut.get('token', NOW_MS + 59_999)).toBe(entry);
  });

  it('never answers at or past exp, and forgets the entry', () => {
    const sut = new VerifiedTokenCache();
    sut.set('token', facts(NOW_MS / 1000 + 60));
    expect(sut.get('token', NOW_MS + 60_000)).toBeUndefined();
    // Forgotten: even a clock that went back finds nothing.
    expect(sut.get('token', NOW_MS)).toBeUndefined();
  });

  it('never answers for a token that had already expired when it was stored', () => {
    const sut = new VerifiedTokenCache();
    sut.set('token', facts(NOW_MS / 1000 - 1));
    expect(sut.get('token', NOW_MS)).toBeUndefined();
  });

  it('answers nothing for a token it never saw', () => {
    expect(new VerifiedTokenCache().get('other', NOW_MS)).toBeUndefined();
  });

  it('is bounded: past its capacity the oldest entry leaves first', () => {
    const sut = new VerifiedTokenCache<{ jti: string; exp: number }>(3);
    const exp = NOW_MS / 1000 + 60;
    for (const token of ['a', 'b', 'c', 'd']) sut.set(token, facts(exp, token));
    expect(sut.get('a', NOW_MS)).toBeUndefined();
    expect(['b', 'c', 'd'].map((token) => sut.get(token, NOW_MS)?.jti)).toEqual(['b', 'c', 'd']);

    for (let i = 0; i < 1000; i++) sut.set(`t${i}`, facts(exp, `t${i}`));
    const kept = Array.from({ length: 1000 }, (_, i) => sut.get(`t${i}`, NOW_MS)).filter(Boolean);
    expect(kept.map((entry) => entry?.jti)).toEqual(['t997', 't998', 't999']);
  });

  it('forgets every entry once the trusted signing keys change (a key withdrawn)', () => {
    let epoch = 1;
    const sut = new VerifiedTokenCache<{ jti: string; exp: number }>(10, () => epoch);
    const entry = facts(NOW_MS / 1000 + 60);
    sut.set('token', entry);
    expect(sut.get('token', NOW_MS)).toBe(entry);
    epoch = 2;
    expect(sut.get('token', NOW_MS)).toBeUndefined();
    epoch = 1;
    expect(sut.get('token', NOW_MS)).toBeUndefined();
  });

  it('does not keep a token verified before the trusted keys changed', () => {
    let epoch = 1;
    const sut = new VerifiedTokenCache<{ jti: string; exp: number }>(10, () => epoch);
    epoch = 2;
    sut.set('token', facts(NOW_MS / 1000 + 60), 1);
    expect(sut.get('token', NOW_MS)).toBeUndefined();
    sut.set('token', facts(NOW_MS / 1000 + 60), 2);
    expect(sut.get('token', NOW_MS)?.jti).toBe('j');
  });
});

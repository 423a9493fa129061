import { expect } from 'expect';
import { generate } from 'otplib';
import { describe, it } from 'node:test';
import { newTotpSecret, normalizeTotpCode, totpTimeStep, totpUri } from './totp-codes';

// RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890", base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP codes (RFC 6238)', () => {
  it('accepts the RFC 6238 Appendix B vector at T = 59 s (6 digits of 94287082)', async () => {
    expect(await totpTimeStep(RFC_SECRET, '287082', 59)).toBe(1);
  });

  it('accepts a code one step before or after now (§5.2), and refuses two steps away', async () => {
    const now = 1_800_000_000;
    const step = Math.floor(now / 30);
    for (const offset of [-1, 0, 1]) {
      const code = await generate({ secret: RFC_SECRET, epoch: now + offset * 30 });
      expect(await totpTimeStep(RFC_SECRET, code, now)).toBe(step + offset);
    }
    for (const offset of [-2, 2]) {
      const code = await generate({ secret: RFC_SECRET, epoch: now + offset * 30 });
      expect(await totpTimeStep(RFC_SECRET, code, now)).toBeNull();
    }
  });

  it('refuses a code of another seed', async () => {
    const code = await generate({ secret: newTotpSecret(), epoch: 1_800_000_000 });
    const other = await generate({ secret: RFC_SECRET, epoch: 1_800_000_000 });
    if (code !== other) expect(await totpTimeStep(RFC_SECRET, code, 1_800_000_000)).toBeNull();
  });

  it('reads six digits, with spaces between them, and nothing else', () => {
    expect(normalizeTotpCode('123456')).toBe('123456');
    expect(normalizeTotpCode('123 456')).toBe('123456');
    for (const typed of ['12345', '1234567', '12345a', '１２３４５６', '123456\u0000', '', ' ']) {
      expect(normalizeTotpCode(typed)).toBeUndefined();
    }
  });

  it('makes 160-bit base32 seeds (RFC 4226 §4 R6), each new', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('names the issuer and the account in the otpauth URI', () => {
    const uri = totpUri(RFC_SECRET, 'Gatehouse (id.example.com)', 'alice');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Gatehouse%20\(id\.example\.com\):alice\?/);
    expect(new URL(uri).searchParams.get('secret')).toBe(RFC_SECRET);
    expect(new URL(uri).searchParams.get('issuer')).toBe('Gatehouse (id.example.com)');
  });
});

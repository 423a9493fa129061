import { expect } from 'expect';
import { describe, it } from 'node:test';
import { EntityManager } from 'typeorm';
import { SystemClock } from '../../common/clock';
import { KeyEncryption } from '../../crypto/key-encryption.service';
import { normalizeRecoveryCode, RecoveryCodes } from './recovery-codes.service';
import { SecondFactorRegistry } from './second-factor.registry';
import { RecoveryCodeEntity } from './second-factor.entities';

/** Just enough of an EntityManager: rows in memory, update by exact match. */
class MemoryManager {
  rows: Partial<RecoveryCodeEntity>[] = [];
  delete() {
    this.rows = [];
    return Promise.resolve({ affected: 0 });
  }
  insert(_entity: unknown, rows: Partial<RecoveryCodeEntity>[]) {
    this.rows.push(...rows);
    return Promise.resolve();
  }
  update(_entity: unknown, where: Partial<RecoveryCodeEntity>, set: Partial<RecoveryCodeEntity>) {
    const found = this.rows.filter(
      (row) => row.userId === where.userId && row.codeHash === where.codeHash && !row.usedAt,
    );
    found.forEach((row) => Object.assign(row, set));
    return Promise.resolve({ affected: found.length });
  }
}

function subject(): { sut: RecoveryCodes; manager: MemoryManager } {
  const encryption = { derivedKey: () => Buffer.alloc(32, 7) } as unknown as KeyEncryption;
  const sut = new RecoveryCodes(
    {} as never,
    new SystemClock(),
    encryption,
    new SecondFactorRegistry(),
  );
  return { sut, manager: new MemoryManager() };
}

describe(RecoveryCodes.name, () => {
  it('makes ten codes of three groups of four, all different, stored only as HMACs', async () => {
    const { sut, manager } = subject();
    const codes = await sut.regenerate('u1', manager as unknown as EntityManager);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    for (const row of manager.rows) {
      expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
      expect(codes.some((code) => row.codeHash!.includes(code.replace(/-/g, '')))).toBe(false);
    }
  });

  it('uses a code once: the second use, or another user, is refused', async () => {
    const { sut, manager } = subject();
    const [code] = await sut.regenerate('u1', manager as unknown as EntityManager);
    const em = manager as unknown as EntityManager;
    expect(await sut.use('u2', code, em)).toBe(false);
    expect(await sut.use('u1', code.toLowerCase().replace(/-/g, ' '), em)).toBe(true);
    expect(await sut.use('u1', code, em)).toBe(false);
  });

  it('reads codes regardless of case, spaces and dashes, and refuses anything else', () => {
    expect(normalizeRecoveryCode('abcd-efgh-jkmn')).toBe('ABCDEFGHJKMN');
    expect(normalizeRecoveryCode('ABCD EFGH JKMN')).toBe('ABCDEFGHJKMN');
    for (const typed of [
      'ABCD-EFGH-JKM',
      'ABCD-EFGH-JKMN-P',
      'ABCD-EFGH-JKM0',
      'ABCD\u0000EFGHJKMN',
      '',
    ]) {
      expect(normalizeRecoveryCode(typed)).toBeUndefined();
    }
  });
});

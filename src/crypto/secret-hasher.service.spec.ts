import bcrypt from 'bcrypt';
import { expect } from 'expect';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { BcryptBudget } from '../common/bcrypt-budget';
import { AppConfig } from '../config/app-config';
import { constantTimeEquals, SecretHasher, sha256 } from './secret-hasher.service';

const config = { bcryptCost: 4 } as AppConfig;

/** What a spent budget throws (the rate-limit module's 429 in the application). */
class TooManyRequestsError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    description: string,
  ) {
    super(description);
  }
}

/** Records every charge; refuses once `limit` charges were made. */
class RecordingBudget extends BcryptBudget {
  readonly spent: string[] = [];
  constructor(private readonly limit = Infinity) {
    super();
  }
  spend(source: string): Promise<void> {
    if (this.spent.length >= this.limit) return Promise.reject(new TooManyRequestsError(7, 'no'));
    this.spent.push(source);
    return Promise.resolve();
  }
}

describe(SecretHasher.name, () => {
  let sut: SecretHasher;
  let budget: RecordingBudget;
  /** Counts real bcrypt comparisons: what the in-memory verification must save. */
  let compare: ReturnType<typeof mock.method>;

  beforeEach(() => {
    budget = new RecordingBudget();
    sut = new SecretHasher(config, budget);
    compare = mock.method(bcrypt, 'compare');
  });
  afterEach(() => mock.restoreAll());

  it('hashes with bcrypt at the configured cost, never storing the secret', async () => {
    const hash = await sut.hash('s3cret');
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(hash).not.toContain('s3cret');
    expect(await sut.hash('s3cret')).not.toBe(hash);
  });

  it('verifies the right secret and refuses a wrong one', async () => {
    const hash = await sut.hash('right');
    expect(await sut.verify('client-a', 'right', hash)).toBe(true);
    expect(await new SecretHasher(config, budget).verify('client-a', 'wrong', hash)).toBe(false);
  });

  it('remembers a positive verification: the same secret again costs no bcrypt', async () => {
    const hash = await sut.hash('right');
    expect(await sut.verify('client-a', 'right', hash)).toBe(true);
    expect(compare.mock.callCount()).toBe(1);
    expect(await sut.verify('client-a', 'right', hash)).toBe(true);
    expect(await sut.verify('client-a', 'right', hash)).toBe(true);
    expect(compare.mock.callCount()).toBe(1);
  });

  it('a wrong secret is false even while a right one is remembered', async () => {
    const hash = await sut.hash('right');
    await sut.verify('client-a', 'right', hash);
    expect(await sut.verify('client-a', 'wrong', hash)).toBe(false);
    expect(await sut.verify('client-a', 'right ', hash)).toBe(false);
    expect(await sut.verify('client-a', '', hash)).toBe(false);
  });

  it('a wrong secret costs a full bcrypt even while a right one is remembered (no timing oracle)', async () => {
    const hash = await sut.hash('right');
    await sut.verify('client-a', 'right', hash);
    expect(compare.mock.callCount()).toBe(1);
    await sut.verify('client-a', 'wrong', hash);
    await sut.verify('client-a', 'wrong', hash);
    expect(compare.mock.callCount()).toBe(3);
  });

  it('verifies against several hashes at once and remembers the one that matched', async () => {
    const current = await sut.hash('new');
    const previous = await sut.hash('old');
    expect(await sut.verify('client-a', 'old', [current, previous])).toBe(true);
    expect(await sut.verify('client-a', 'new', [current, previous])).toBe(true);
    expect(compare.mock.callCount()).toBe(4);
    // Both remembered: switching between them costs no bcrypt.
    expect(await sut.verify('client-a', 'old', [current, previous])).toBe(true);
    expect(await sut.verify('client-a', 'new', [current, previous])).toBe(true);
    expect(compare.mock.callCount()).toBe(4);
    // Once the previous hash is no longer offered, its secret fails.
    expect(await sut.verify('client-a', 'old', [current])).toBe(false);
  });

  it('does not remember a negative verification', async () => {
    const hash = await sut.hash('right');
    expect(await sut.verify('client-a', 'wrong', hash)).toBe(false);
    expect(await sut.verify('client-a', 'wrong', hash)).toBe(false);
    expect(compare.mock.callCount()).toBe(2);
  });

  it('forget drops the memory: the next verification runs bcrypt again', async () => {
    const hash = await sut.hash('right');
    await sut.verify('client-a', 'right', hash);
    sut.forget('client-a');
    expect(await sut.verify('client-a', 'right', hash)).toBe(true);
    expect(compare.mock.callCount()).toBe(2);
  });

  it('forget of one owner leaves the others remembered', async () => {
    const hash = await sut.hash('right');
    await sut.verify('client-a', 'right', hash);
    await sut.verify('client-b', 'right', hash);
    sut.forget('client-a');
    await sut.verify('client-b', 'right', hash);
    expect(compare.mock.callCount()).toBe(2);
  });

  it('a changed hash (rotation elsewhere) is not served from memory: the old secret fails', async () => {
    const oldHash = await sut.hash('old');
    expect(await sut.verify('client-a', 'old', oldHash)).toBe(true);
    const newHash = await sut.hash('new');
    expect(await sut.verify('client-a', 'old', newHash)).toBe(false);
    expect(await sut.verify('client-a', 'new', newHash)).toBe(true);
    expect(compare.mock.callCount()).toBe(3);
  });

  it('the memory is per owner: a secret verified for one owner is not trusted for another', async () => {
    const hashA = await sut.hash('secret-a');
    const hashB = await sut.hash('secret-b');
    await sut.verify('client-a', 'secret-a', hashA);
    expect(await sut.verify('client-b', 'secret-a', hashB)).toBe(false);
  });

  it('verifyNothing spends a bcrypt comparison and is always false', async () => {
    expect(await sut.verifyNothing('anything')).toBe(false);
    expect(await sut.verifyNothing('')).toBe(false);
    expect(compare.mock.callCount()).toBe(2);
  });

  it('charges every bcrypt to the source before it runs, and a remembered match to nobody', async () => {
    const hash = await sut.hash('right', '10.0.0.1');
    await sut.verify('client-a', 'right', hash, '10.0.0.2');
    await sut.verify('client-a', 'right', hash, '10.0.0.3'); // remembered: no bcrypt, no charge
    await sut.verify('client-a', 'wrong', hash, '10.0.0.4');
    await sut.verifyNothing('x', '10.0.0.5');
    await sut.compare('x', hash, '10.0.0.6');
    await sut.hash('no source: admin API');
    expect(budget.spent).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  });

  it('runs no bcrypt once the source is over its budget', async () => {
    const hash = await sut.hash('right');
    const limited = new SecretHasher(config, new RecordingBudget(0));
    const calls = compare.mock.callCount();
    for (const work of [
      () => limited.verify('client-a', 'right', hash, '10.0.0.1'),
      () => limited.verifyNothing('x', '10.0.0.1'),
      () => limited.compare('right', hash, '10.0.0.1'),
      () => limited.hash('x', '10.0.0.1'),
    ]) {
      await expect(work()).rejects.toBeInstanceOf(TooManyRequestsError);
    }
    expect(compare.mock.callCount()).toBe(calls);
  });
});

describe(sha256.name, () => {
  it('is the base64url SHA-256 digest', () => {
    expect(sha256('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});

describe(constantTimeEquals.name, () => {
  it('is true only for equal strings', () => {
    expect(constantTimeEquals('token', 'token')).toBe(true);
    expect(constantTimeEquals('token', 'tokem')).toBe(false);
    expect(constantTimeEquals('token', 'token-longer')).toBe(false);
    expect(constantTimeEquals('', '')).toBe(true);
  });
});

import { Clock } from '../../src/common/clock';

/**
 * A clock a test moves instead of sleeping. `new TestClock(at)` stands still at `at` until the
 * test moves it (unit specs: exact arithmetic). `new TestClock()` runs with the real clock,
 * `advance` jumping it ahead (whole apps: what the database and other processes stamp stays in
 * step with it, and tokens it stamps pass checks against the real time).
 */
export class TestClock extends Clock {
  private readonly frozen: boolean;
  private offset: number;

  constructor(at?: number) {
    super();
    this.frozen = at !== undefined;
    this.offset = at ?? 0;
  }

  now(): number {
    return this.frozen ? this.offset : Date.now() + this.offset;
  }

  /** Moves the time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.offset += ms;
  }

  /** Moves the time forward to `epochMs` (never back), as a sleep until then would. */
  advanceTo(epochMs: number): void {
    this.advance(Math.max(0, epochMs - this.now()));
  }
}

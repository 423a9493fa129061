import { Clock } from '../../src/common/clock';

/**
 * A clock a test sets and advances: time moves only when the test says so. Starts at the real
 * time (tokens it stamps must still pass verifiers that read the real one) unless told otherwise.
 */
export class TestClock extends Clock {
  private current: number;

  constructor(start: number = Date.now()) {
    super();
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves the time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Sets the time to `epochMs`. */
  set(epochMs: number): void {
    this.current = epochMs;
  }
}

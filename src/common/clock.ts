/**
 * What time it is, behind one injectable so tests can pin it and move it instead of sleeping.
 * Services read the time only through this (or take `now` as a parameter); the database's own
 * `now()` in SQL is the database's clock, not this one.
 */
export abstract class Clock {
  /** Epoch milliseconds. */
  abstract now(): number;

  date(): Date {
    return new Date(this.now());
  }
}

/** The machine's clock. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

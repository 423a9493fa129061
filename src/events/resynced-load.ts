import { Logger } from '@nestjs/common';

const RETRY_MS = 500;

/**
 * A full load of in-memory state from the database, kept honest across gaps in change
 * notifications. The state is known only once a load has finished that started after the last
 * gap (`lost`) and after every earlier load: a load that read before a newer gap or load cannot
 * end it. A failed load leaves the state unknown and is retried every RETRY_MS until one succeeds
 * or `stop` is called.
 */
export class ResyncedLoad {
  private readonly logger: Logger;
  private generation = 0;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  /**
   * @param load reads the state and applies it unless `current()` has turned false meanwhile.
   * @param setKnown told whether the state is known, each time that changes.
   */
  constructor(
    private readonly what: string,
    private readonly load: (current: () => boolean) => Promise<void>,
    private readonly setKnown: (known: boolean) => void,
  ) {
    this.logger = new Logger(what);
  }

  /** A gap began (notifications may be missed): unknown until the next load has finished. */
  lost(): void {
    this.generation += 1;
    this.setKnown(false);
  }

  /** Loads everything now; resolves when done or failed (then retried), never rejects. */
  async run(): Promise<void> {
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    try {
      await this.load(current);
      if (current()) this.setKnown(true);
    } catch (error) {
      this.logger.warn(
        `${this.what} could not load (${error instanceof Error ? error.message : 'unknown error'}); answering 503 until it does`,
      );
      if (current()) this.setKnown(false);
      this.later();
    }
  }

  /** The state may be wrong (a targeted reload failed): unknown, and loaded again shortly. */
  reloadLater(): void {
    this.lost();
    this.later();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private later(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.run();
    }, RETRY_MS);
    this.retry.unref();
  }
}

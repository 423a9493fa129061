import pino, { DestinationStream, Logger } from 'pino';
import { logContextFields } from './request-context';
import { prettyDestination } from './pretty-lines';

/** LOG_FORMAT: JSON lines, or lines for a person; unset, pretty on a terminal, else JSON. */
export type LogFormat = 'json' | 'pretty';

export interface LogSettings {
  /** A pino level (LOG_LEVEL). */
  level: string;
  format?: LogFormat;
}

/**
 * Makes every logger of the process (docs/observability.md): one level, one format, one
 * destination, and each line carries the request id (and trace ids) of the request it is
 * written in. `destination` replaces standard output (tests).
 */
export class Logs {
  private readonly destination: DestinationStream | undefined;

  constructor(
    private readonly settings: LogSettings,
    destination?: DestinationStream,
  ) {
    this.destination = destination ?? this.standardOutput();
  }

  /** A logger whose lines carry `base` besides `service: gatehouse`. */
  create(base: Record<string, string> = {}): Logger {
    const options = {
      level: this.settings.level,
      base: { service: 'gatehouse', ...base },
      mixin: logContextFields,
    };
    return this.destination ? pino(options, this.destination) : pino(options);
  }

  /** Undefined: pino's own (JSON to standard output). */
  private standardOutput(): DestinationStream | undefined {
    const format = this.settings.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
    return format === 'pretty' ? prettyDestination(process.stdout) : undefined;
  }
}

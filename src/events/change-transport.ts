import { ChangeEvent } from './change-events';

/** Carries change events between processes; `deliver` receives other processes' events. */
export abstract class ChangeTransport {
  /** `sentAt`: when another process sent the event (ms since the epoch), if it said. */
  abstract start(deliver: (event: ChangeEvent, sentAt?: number) => void): Promise<void>;
  abstract send(event: ChangeEvent): void;
  abstract stop(): Promise<void>;
  /** Whether other processes' events reach this one now (false while reconnecting). */
  abstract readonly live: boolean;
}

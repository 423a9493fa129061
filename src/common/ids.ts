import { randomUUID } from 'node:crypto';

/**
 * Where unique identifiers come from (RFC 9562 version 4 UUIDs), behind one injectable so tests
 * can pin them. Secrets and other unguessable values come from crypto's RandomService.
 */
export abstract class Ids {
  abstract uuid(): string;
}

/** Random v4 UUIDs; Node fills an entropy cache ahead, so each one is cheap. */
export class RandomIds extends Ids {
  uuid(): string {
    return randomUUID();
  }
}

/** For code outside the application's container (the node:http edge, before Nest sees a request). */
export const RANDOM_IDS: Ids = new RandomIds();

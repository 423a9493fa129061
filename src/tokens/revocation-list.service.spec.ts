import { expect } from 'expect';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { SystemClock } from '../common/clock';
import { Housekeeping } from '../database/housekeeping.service';
import { ChangeBus } from '../events/change-bus.service';
import { ChangeEvent } from '../events/change-events';
import { RevocationList, RevocationsUnknownError } from './revocation-list.service';

const IN_AN_HOUR = new Date(Date.now() + 3_600_000);
const EXP = Math.floor(IN_AN_HOUR.getTime() / 1000);

/** The revoked_access_tokens table: rows to answer, or a failure, with control over timing. */
class FakeTable {
  rows: Array<{ jti: string; expiresAt: Date }> = [];
  failing = false;
  /** When set, a find waits for it. */
  gate?: Promise<void>;
  finds = 0;

  dataSource(): DataSource {
    return {
      getRepository: () => ({
        find: async () => {
          this.finds += 1;
          const rows = [...this.rows];
          if (this.gate) await this.gate;
          if (this.failing) throw new Error('connection terminated');
          return rows;
        },
      }),
    } as unknown as DataSource;
  }
}

describe(RevocationList.name, () => {
  let table: FakeTable;
  let listeners: Array<(event: ChangeEvent) => void>;
  let sut: RevocationList;
  const deliver = (event: ChangeEvent) => listeners.forEach((listener) => listener(event));

  beforeEach(async () => {
    table = new FakeTable();
    table.rows = [{ jti: 'old', expiresAt: IN_AN_HOUR }];
    listeners = [];
    const bus = {
      subscribe: (listener: (event: ChangeEvent) => void) => {
        listeners.push(listener);
        return () => undefined;
      },
    } as unknown as ChangeBus;
    sut = new RevocationList(
      table.dataSource(),
      bus,
      { register: () => undefined } as unknown as Housekeeping,
      new SystemClock(),
    );
    await sut.onModuleInit();
  });
  afterEach(() => sut.onModuleDestroy());

  it('knows what the table holds and what the bus announces', () => {
    expect(sut.known).toBe(true);
    expect(sut.isRevoked('old')).toBe(true);
    expect(sut.isRevoked('other')).toBe(false);
    deliver({ type: 'tokens.revoked', tokens: [{ jti: 'new', exp: EXP }] });
    expect(sut.isRevoked('new')).toBe(true);
  });

  it('refuses to answer (503) from a lost connection until the reload after it has finished', async () => {
    deliver({ type: 'transport.lost' });
    expect(sut.known).toBe(false);
    expect(() => sut.isRevoked('old')).toThrow(RevocationsUnknownError);
    // Meanwhile a revocation was written by another process.
    table.rows.push({ jti: 'missed', expiresAt: IN_AN_HOUR });
    let open!: () => void;
    table.gate = new Promise((resolve) => (open = resolve));
    deliver({ type: 'resync' });
    await sleep(10);
    expect(sut.known).toBe(false); // still loading
    open();
    await sleep(10);
    expect(sut.known).toBe(true);
    expect(sut.isRevoked('missed')).toBe(true);
  });

  it('stays unknown while the reload fails, and retries until it succeeds', async () => {
    deliver({ type: 'transport.lost' });
    table.failing = true;
    deliver({ type: 'resync' });
    await sleep(700);
    expect(sut.known).toBe(false);
    expect(table.finds).toBeGreaterThanOrEqual(3); // the first load, the reload, a retry
    table.failing = false;
    await sleep(700);
    expect(sut.known).toBe(true);
  });

  it('is not made known by a reload that read before another gap began', async () => {
    deliver({ type: 'transport.lost' });
    let open!: () => void;
    table.gate = new Promise((resolve) => (open = resolve));
    deliver({ type: 'resync' });
    await sleep(10);
    deliver({ type: 'transport.lost' }); // the connection drops again mid-reload
    open();
    await sleep(10);
    expect(sut.known).toBe(false);
    table.gate = undefined;
    deliver({ type: 'resync' });
    await sleep(10);
    expect(sut.known).toBe(true);
  });
});

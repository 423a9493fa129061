import { expect } from 'expect';
import { describe, it } from 'node:test';
import { currentRequestId, logContextFields, runWithRequestId } from './request-context';

describe('request context', () => {
  it('carries the request id through await chains and timers, and not outside them', async () => {
    const seen: (string | undefined)[] = [];
    const served = new Promise<void>((resolve) =>
      runWithRequestId('r-1', () => {
        void (async () => {
          await Promise.resolve();
          seen.push(currentRequestId());
          await new Promise((later) => setTimeout(later, 1));
          seen.push(currentRequestId());
          resolve();
        })();
      }),
    );
    seen.push(currentRequestId());
    await served;
    expect(seen).toEqual([undefined, 'r-1', 'r-1']);
  });

  it('keeps overlapping requests apart', async () => {
    const ids = await Promise.all(
      ['a', 'b', 'c'].map(
        (id, i) =>
          new Promise<string | undefined>((resolve) =>
            runWithRequestId(id, () => {
              setTimeout(() => resolve(currentRequestId()), 3 - i);
            }),
          ),
      ),
    );
    expect(ids).toEqual(['a', 'b', 'c']);
  });

  it('gives each log line a fresh object with request_id, or none outside a request', () => {
    expect(logContextFields()).toEqual({});
    expect(logContextFields()).not.toBe(logContextFields());
    let fields: object = {};
    runWithRequestId('r-2', () => (fields = logContextFields()));
    expect(fields).toEqual({ request_id: 'r-2' });
  });
});

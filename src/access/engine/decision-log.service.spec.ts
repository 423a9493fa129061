import { expect } from 'expect';
import { describe, it } from 'node:test';
import { Logs } from '../../common/logging/logs';
import { AppConfig } from '../../config/app-config';
import { Decision } from './decision';
import { Metrics } from '../../metrics/metrics';
import { DecisionLog } from './decision-log.service';

const allow: Decision = {
  allowed: true,
  reason: 'allowed',
  decisionId: 'd-1',
  sub: 'alice',
  clientId: 'web',
  scope: 'invoices:read',
  permission: 'invoices:read',
  ruleId: 'r-1',
};
const deny: Decision = { allowed: false, reason: 'token_invalid', decisionId: 'd-2' };

function logWith(sampleRate: number, logLevel = 'info') {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => lines.push(JSON.parse(line)) };
  const config = { logLevel, decisionLogSampleRate: sampleRate } as AppConfig;
  return {
    sut: new DecisionLog(config, Metrics.off(), new Logs({ level: logLevel }, destination)),
    lines,
  };
}

describe(DecisionLog.name, () => {
  it('writes one structured line per decision, with the path but not its query', () => {
    const { sut, lines } = logWith(1);
    sut.record(allow, { surface: 'gateway', method: 'GET', path: '/invoices/1?access_token=x' });
    expect(lines).toHaveLength(1);
    const { time, ...line } = lines[0];
    expect(typeof time).toBe('number');
    expect(line).toEqual({
      level: 30,
      service: 'gatehouse',
      log: 'access-decision',
      msg: 'access decision',
      decision_id: 'd-1',
      allowed: true,
      reason: 'allowed',
      sub: 'alice',
      client_id: 'web',
      permission: 'invoices:read',
      rule_id: 'r-1',
      surface: 'gateway',
      method: 'GET',
      path: '/invoices/1',
    });
  });

  it('names the caller beside the subject decided about (/access/check naming a subject)', () => {
    const { sut, lines } = logWith(1);
    sut.record(
      { ...allow, ruleId: undefined, scope: undefined, caller: { sub: 'svc', clientId: 'svc' } },
      { surface: 'check' },
    );
    expect(lines[0]).toMatchObject({
      sub: 'alice',
      client_id: 'web',
      caller_sub: 'svc',
      caller_client_id: 'svc',
      surface: 'check',
    });
  });

  it('writes every deny, and allows at DECISION_LOG_SAMPLE_RATE', () => {
    const none = logWith(0);
    for (let i = 0; i < 200; i++) none.sut.record(allow, { surface: 'check' });
    none.sut.record(deny, { surface: 'check' });
    expect(none.lines.map((line) => line.decision_id)).toEqual(['d-2']);

    const some = logWith(0.5);
    for (let i = 0; i < 2000; i++) some.sut.record(allow, { surface: 'check' });
    // Binomial(2000, 0.5): outside 850..1150 about once in 10^11 runs.
    expect(some.lines.length).toBeGreaterThan(850);
    expect(some.lines.length).toBeLessThan(1150);
  });

  it('says which proof-of-possession check failed, never the proof', () => {
    const { sut, lines } = logWith(1);
    sut.record(
      {
        allowed: false,
        reason: 'binding_mismatch',
        decisionId: 'd-3',
        bindingProblem: 'htu does not match',
        dpopBound: true,
      },
      { surface: 'gateway', method: 'GET', path: '/invoices/1' },
    );
    const { time, ...line } = lines[0];
    expect(typeof time).toBe('number');
    expect(line).toEqual({
      level: 30,
      service: 'gatehouse',
      log: 'access-decision',
      msg: 'access decision',
      decision_id: 'd-3',
      allowed: false,
      reason: 'binding_mismatch',
      binding_problem: 'htu does not match',
      surface: 'gateway',
      method: 'GET',
      path: '/invoices/1',
    });
  });

  it('says which rule’s condition failed, and why', () => {
    const { sut, lines } = logWith(1);
    sut.record(
      {
        allowed: false,
        reason: 'condition_failed',
        decisionId: 'd-4',
        sub: 'svc',
        clientId: 'svc',
        ruleId: 'r-owned',
        conditionProblem: 'No such key: tenant',
      },
      { surface: 'gateway', method: 'GET', path: '/tenants/acme' },
    );
    const { time, ...line } = lines[0];
    expect(typeof time).toBe('number');
    expect(line).toEqual({
      level: 30,
      service: 'gatehouse',
      log: 'access-decision',
      msg: 'access decision',
      decision_id: 'd-4',
      allowed: false,
      reason: 'condition_failed',
      sub: 'svc',
      client_id: 'svc',
      rule_id: 'r-owned',
      condition_problem: 'No such key: tenant',
      surface: 'gateway',
      method: 'GET',
      path: '/tenants/acme',
    });
  });

  it('writes nothing when LOG_LEVEL is above info', () => {
    const { sut, lines } = logWith(1, 'warn');
    sut.record(deny, { surface: 'check' });
    expect(lines).toEqual([]);
  });
});

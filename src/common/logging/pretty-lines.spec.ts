import { expect } from 'expect';
import { describe, it } from 'node:test';
import { prettyLine } from './pretty-lines';

const TIME = Date.UTC(2026, 0, 2, 12, 1, 2, 345);
const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: TIME, service: 'gatehouse', msg: 'hello', ...fields });

describe(prettyLine.name, () => {
  it('writes time, level, context, message, then the other fields', () => {
    expect(prettyLine(line({ context: 'Tokens', request_id: 'r-1', status: 200 }), false)).toBe(
      '12:01:02.345 INFO  [Tokens] hello request_id=r-1 status=200\n',
    );
  });

  it('colours the level only on a terminal, and puts a stack on the lines below', () => {
    const error = line({ level: 50, trace: 'Error: x\n    at y' });
    expect(prettyLine(error, false)).toBe('12:01:02.345 ERROR hello\nError: x\n    at y\n');
    expect(prettyLine(error, true)).toBe(
      '12:01:02.345 \x1b[31mERROR\x1b[0m hello\nError: x\n    at y\n',
    );
  });

  it('writes objects as JSON and leaves out what every line has', () => {
    expect(prettyLine(line({ pid: 1, hostname: 'h', details: { a: [1] } }), false)).toBe(
      '12:01:02.345 INFO  hello details={"a":[1]}\n',
    );
  });

  it('passes a line that is not JSON through as it is', () => {
    expect(prettyLine('not json\n', false)).toBe('not json\n');
  });
});

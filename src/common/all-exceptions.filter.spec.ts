import { Logger, LoggerService } from '@nestjs/common';
import { expect } from 'expect';
import { after, before, beforeEach, describe, it } from 'node:test';
import { renderError } from './all-exceptions.filter';
import { InvalidGrantError, InvalidTokenError } from './oauth-error';

/** Every line the application's loggers write, by level. */
class CapturedLogs implements LoggerService {
  lines: Array<{ level: string; message: string }> = [];
  log = (message: unknown) => this.add('log', message);
  error = (message: unknown) => this.add('error', message);
  warn = (message: unknown) => this.add('warn', message);
  debug = (message: unknown) => this.add('debug', message);
  verbose = (message: unknown) => this.add('verbose', message);
  private add(level: string, message: unknown): void {
    this.lines.push({ level, message: String(message) });
  }
}

describe(renderError.name, () => {
  const logs = new CapturedLogs();
  before(() => Logger.overrideLogger(logs));
  after(() => Logger.overrideLogger(new Logger()));
  beforeEach(() => (logs.lines = []));

  const request = (url = '/token') => ({
    method: 'POST',
    url,
    shape: 'oauth' as const,
    id: 'req-42',
  });

  it('logs the internal detail with the request id and never sends it', () => {
    const sut = renderError(
      new InvalidGrantError(
        'the authorization code is invalid',
        'code hash abc123 belongs to another client',
      ),
      request(),
    );

    expect(sut.status).toBe(400);
    expect(JSON.parse(sut.body)).toEqual({
      error: 'invalid_grant',
      error_description: 'the authorization code is invalid',
    });
    expect(sut.body).not.toContain('abc123');
    expect(logs.lines).toEqual([
      {
        level: 'log',
        message:
          'POST /token (request req-42): 400 invalid_grant: code hash abc123 belongs to another client',
      },
    ]);
  });

  it('logs only the path, never the query string that may carry a secret', () => {
    renderError(
      new InvalidTokenError('bad', 'signature mismatch'),
      request('/userinfo?access_token=s3cret'),
    );

    expect(logs.lines.map((line) => line.message).join('\n')).not.toContain('s3cret');
    expect(logs.lines[0]?.message).toBe(
      'POST /userinfo (request req-42): 401 invalid_token: signature mismatch',
    );
  });

  it('logs an unexpected error at error level and answers without its message', () => {
    const sut = renderError(new Error('connection to 10.0.0.5 refused'), request());

    expect(sut.status).toBe(500);
    expect(sut.body).not.toContain('10.0.0.5');
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]?.level).toBe('error');
    expect(logs.lines[0]?.message).toContain(
      '(request req-42): Error: connection to 10.0.0.5 refused',
    );
  });

  it('names each error class after its code', () => {
    expect(new InvalidGrantError('x').name).toBe('InvalidGrantError');
    expect(new InvalidTokenError('x').name).toBe('InvalidTokenError');
  });
});

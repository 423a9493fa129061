import { expect } from 'expect';
import { describe, it } from 'node:test';
import { MAX_JSON_DEPTH, parseJson } from './strict-json';
import { GatehouseError } from '../errors';

function refusal(body: string | Buffer): unknown {
  try {
    parseJson(Buffer.isBuffer(body) ? body : Buffer.from(body));
  } catch (error) {
    const { status, message, details } = error as GatehouseError;
    return { status, message, details };
  }
  return 'parsed';
}

describe(parseJson.name, () => {
  const sut = (text: string) => parseJson(Buffer.from(text));

  it('parses JSON with emoji, escapes, tab/LF/CR in strings, and a byte order mark', () => {
    expect(sut('{"a":["😀","\\ud83d\\ude00","a\\tb\\r\\n"],"b":{"c":null}}')).toEqual({
      a: ['😀', '😀', 'a\tb\r\n'],
      b: { c: null },
    });
    expect(sut('\ufeff{"a":1}')).toEqual({ a: 1 });
  });

  it(`accepts nesting to ${MAX_JSON_DEPTH} levels, brackets inside strings not counted`, () => {
    const deepest = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(() => sut(deepest)).not.toThrow();
    expect(sut(`{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`)).toEqual({
      a: `${'['.repeat(100)}"${'{'.repeat(100)}`,
    });
  });

  it('refuses deeper nesting, 30,000 levels included, without recursing', () => {
    const nested = {
      status: 400,
      message: `body: nests deeper than ${MAX_JSON_DEPTH} levels`,
      details: [{ field: 'body', problem: `nests deeper than ${MAX_JSON_DEPTH} levels` }],
    };
    const over = MAX_JSON_DEPTH + 1;
    expect(refusal('['.repeat(over) + ']'.repeat(over))).toEqual(nested);
    expect(refusal('['.repeat(30_000) + ']'.repeat(30_000))).toEqual(nested);
    expect(refusal('{"a":'.repeat(30_000) + '1' + '}'.repeat(30_000))).toEqual(nested);
    expect(refusal('['.repeat(30_000))).toEqual(nested);
  });

  it('refuses NUL, control characters and lone surrogates in strings and keys, naming the field', () => {
    const problem = (field: string, text: string) => ({
      status: 400,
      message: `${field}: ${text}`,
      details: [{ field, problem: text }],
    });
    expect(refusal('{"client_name":"a\\u0000b"}')).toEqual(
      problem('client_name', 'contains a NUL character'),
    );
    expect(refusal('{"a":{"b":["x","\\u0001"]}}')).toEqual(
      problem('a.b[1]', 'contains a control character'),
    );
    expect(refusal('{"a":"\\ud800"}')).toEqual(problem('a', 'contains a lone surrogate'));
    expect(refusal('{"a":"\\udc00x"}')).toEqual(problem('a', 'contains a lone surrogate'));
    expect(refusal('"\\u0000"')).toEqual(problem('body', 'contains a NUL character'));
    expect(refusal('{"a\\u0000":1}')).toEqual(
      problem('body', 'has a member name that contains a NUL character'),
    );
    expect(refusal(`{"a":"${'x'.repeat(70_000)}"}`)).toEqual(
      problem('a', 'is longer than 16384 characters'),
    );
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(refusal(Buffer.from([0x22, 0xc0, 0xae, 0x22]))).toEqual({
      status: 400,
      message: 'body: is not valid UTF-8',
      details: [{ field: 'body', problem: 'is not valid UTF-8' }],
    });
  });

  it('refuses empty, malformed and prototype-poisoning bodies as Fastify does', () => {
    expect(refusal('')).toEqual({
      status: 400,
      message: 'the JSON body is empty',
      details: undefined,
    });
    for (const body of ['{"a":', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}']) {
      expect(refusal(body)).toEqual({
        status: 400,
        message: 'the body is not valid JSON',
        details: undefined,
      });
    }
  });
});

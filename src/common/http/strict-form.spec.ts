import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ValidationFailedError } from '../api-error';
import { parseForm, readForm } from './strict-form';

describe(readForm.name, () => {
  const sut = readForm;

  it('reads names and values, + as a space, empty pairs skipped', () => {
    expect(sut('a=1&b=x+y%2B&&c=&d', 'body')).toEqual({
      fields: Object.assign(Object.create(null), { a: '1', b: 'x y+', c: '', d: '' }),
    });
  });

  it('refuses a repeated name (RFC 6749 §3.1), except resource (RFC 8707 §2)', () => {
    expect(sut('scope=a&scope=b', 'body')).toEqual({
      problem: { field: 'scope', problem: 'is repeated' },
    });
    expect(sut('resource=a&resource=b&resource=c', 'body')).toEqual({
      fields: Object.assign(Object.create(null), { resource: ['a', 'b', 'c'] }),
    });
  });

  it('leaves repetition to the route when told to', () => {
    expect(sut('scope=a&scope=b', 'query', 'allowed')).toEqual({
      fields: Object.assign(Object.create(null), { scope: ['a', 'b'] }),
    });
  });

  it('refuses hostile values, naming the field', () => {
    const cases: Array<[string, string]> = [
      ['client_id=a%00b', 'contains a NUL character'],
      ['client_id=a%01b', 'contains a control character'],
      ['client_id=%ff', 'is not valid percent-encoded UTF-8'],
      ['client_id=%c0%ae', 'is not valid percent-encoded UTF-8'],
      ['client_id=%ed%a0%80', 'is not valid percent-encoded UTF-8'],
      [`client_id=${'x'.repeat(70_000)}`, 'is longer than 16384 characters'],
    ];
    for (const [encoded, problem] of cases) {
      expect(sut(encoded, 'body')).toEqual({ problem: { field: 'client_id', problem } });
    }
    expect(sut('note=a%0D%0Ab%09', 'body')).toEqual({
      fields: Object.assign(Object.create(null), { note: 'a\r\nb\t' }),
    });
  });

  it('refuses hostile names and __proto__, naming only where', () => {
    expect(sut('a%00=1', 'query')).toEqual({
      problem: { field: 'query', problem: 'has a name that contains a NUL character' },
    });
    expect(sut('a%0A=1', 'query')).toEqual({
      problem: { field: 'query', problem: 'has a name that contains a control character' },
    });
    expect(sut('%ff=1', 'query')).toEqual({
      problem: { field: 'query', problem: 'has a name that is not valid percent-encoded UTF-8' },
    });
    expect(sut('__proto__=1', 'body')).toEqual({
      problem: { field: 'body', problem: 'has a forbidden name' },
    });
  });
});

describe(parseForm.name, () => {
  it('refuses a body that is not UTF-8, and a hostile field, with a 400 ValidationFailedError', () => {
    for (const [body, details] of [
      [Buffer.from([0x61, 0x3d, 0xff]), [{ field: 'body', problem: 'is not valid UTF-8' }]],
      [Buffer.from('a=%00'), [{ field: 'a', problem: 'contains a NUL character' }]],
    ] as const) {
      let thrown: unknown;
      try {
        parseForm(body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ValidationFailedError);
      expect((thrown as ValidationFailedError).details).toEqual(details);
      expect((thrown as ValidationFailedError).status).toBe(400);
    }
  });

  it('gives an object without a prototype', () => {
    expect(Object.getPrototypeOf(parseForm(Buffer.from('a=1')))).toBeNull();
  });
});

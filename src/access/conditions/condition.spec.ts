import { expect } from 'expect';
import { describe, it } from 'node:test';
import {
  compile,
  CompiledCondition,
  ConditionActivation,
  evaluate,
  fromJson,
  MAX_CONDITION_LENGTH,
} from './condition';

const activation = (): ConditionActivation => ({
  subject: {
    id: 'u1',
    type: 'user',
    username: 'alice',
    email: 'alice@example.com',
    roles: ['editor'],
    attributes: { tenant: 'acme' },
  },
  resource: { type: 'todo', id: 't1', properties: { ownerID: 'u1' } },
  action: { name: 'read', properties: {} },
  context: { time: new Date('2026-12-02T10:00:00Z'), address: '192.0.2.1' },
  request: { method: 'GET', path: '/invoices/u1', params: { id: 'u1' }, query: {} },
  token: { claims: { sub: 'u1', acr: 'mfa' } },
});

function compiled(expression: string): CompiledCondition {
  const result = compile(expression);
  if (!result.ok) throw new Error(`expected ${expression} to compile: ${result.problem.message}`);
  return result.condition;
}

function problem(expression: string) {
  const result = compile(expression);
  if (result.ok) throw new Error(`expected ${expression.slice(0, 40)} to be refused`);
  return result.problem;
}

describe('conditions', () => {
  describe('compile', () => {
    it('accepts conditions on every declared variable', () => {
      for (const expression of [
        'resource.properties.ownerID == subject.id && "editor" in subject.roles',
        'request.params.id == subject.id',
        'subject.attributes.tenant == "acme" && action.name == "read"',
        'context.time > timestamp("2026-01-01T00:00:00Z") && context.address == "192.0.2.1"',
        'token.claims.acr == "mfa" && request.method == "GET" && resource.type == "todo"',
        'subject.roles.exists(r, r == "editor")',
      ]) {
        expect(evaluate(compiled(expression), activation())).toEqual({ ok: true });
      }
    });

    it('refuses an unknown variable, naming where it is', () => {
      expect(problem('subject.id == owner')).toEqual({
        message: expect.stringMatching(/^Unknown variable: owner \(line 1, column 15\)$/),
        offset: 14,
        line: 1,
        column: 15,
      });
    });

    it('refuses an unknown field of a declared variable', () => {
      expect(problem('subject.idd == "u1"').message).toMatch(/No such key: idd/);
    });

    it('refuses a parse error with its line and column', () => {
      const refused = problem('subject.id ==\n  ');
      expect(refused.message).toMatch(/Unexpected token/);
      expect(refused.line).toBe(2);
    });

    it('refuses a type error', () => {
      expect(problem('subject.id == 1').message).toMatch(/no such overload: string == int/);
    });

    it('refuses an expression that is not boolean', () => {
      expect(problem('subject.id').message).toBe(
        'must be a boolean expression, not string (line 1, column 1)',
      );
    });

    it('refuses unknown functions', () => {
      expect(problem('exec("rm -rf /")').message).toMatch(/found no matching overload for 'exec/);
    });

    it('refuses an expression over the length limit before parsing it', () => {
      expect(problem(`"${'a'.repeat(MAX_CONDITION_LENGTH)}" == subject.id`).message).toBe(
        `must be at most ${MAX_CONDITION_LENGTH} characters (line 1, column 1)`,
      );
    });

    it('refuses 30,000 nested parentheses without overflowing the stack', () => {
      const deep = `${'('.repeat(30_000)}true${')'.repeat(30_000)}`;
      expect(deep.length).toBeGreaterThan(MAX_CONDITION_LENGTH);
      expect(problem(deep).message).toMatch(/at most 2048 characters/);
      expect(problem(`${'('.repeat(1000)}true${')'.repeat(1000)}`).message).toMatch(
        /Exceeded maxDepth/,
      );
    });

    it('refuses repeated operators past the size limit', () => {
      expect(problem(`${'!'.repeat(1000)}true`).message).toMatch(/Exceeded max/);
      expect(problem(Array(300).fill('1').join('+') + ' == 1').message).toMatch(/Exceeded max/);
    });

    it('refuses NUL characters and lone surrogates, naming the offset', () => {
      expect(problem('subject.id == "a\u0000b"')).toMatchObject({
        message: 'must not contain NUL characters (line 1, column 17)',
        offset: 16,
      });
      expect(problem('subject.id == "\ud800"').message).toMatch(/lone surrogate/);
      expect(problem('subject.id == "\udc00"').message).toMatch(/lone surrogate/);
      expect(compile('subject.id == "\ud83d\ude00"').ok).toBe(true);
    });

    it('refuses comprehensions nested too deep (estimated cost)', () => {
      expect(
        problem('subject.roles.exists(a, subject.roles.exists(b, subject.roles.exists(c, a == b)))')
          .message,
      ).toMatch(/nest at most 2 comprehensions/);
    });

    it('refuses empty and non-string input', () => {
      expect(problem('   ').message).toMatch(/must not be empty/);
      expect(problem(42 as unknown as string).message).toMatch(/must be a string/);
    });
  });

  describe('evaluate', () => {
    it('fails on false, with the reason false', () => {
      expect(evaluate(compiled('subject.id == "u2"'), activation())).toEqual({
        ok: false,
        reason: 'false',
      });
    });

    it('fails closed on a missing map key', () => {
      expect(evaluate(compiled('resource.properties.owner == subject.id'), activation())).toEqual({
        ok: false,
        reason: 'No such key: owner',
      });
      expect(evaluate(compiled('request.params.other == "x"'), activation())).toEqual({
        ok: false,
        reason: 'No such key: other',
      });
    });

    it('fails closed when a whole variable is absent', () => {
      const withoutRequest = activation();
      delete withoutRequest.request;
      expect(evaluate(compiled('request.params.id == subject.id'), withoutRequest)).toEqual({
        ok: false,
        reason: expect.any(String),
      });
    });

    it('fails closed on division by zero', () => {
      expect(evaluate(compiled('1 / 0 == 1'), activation())).toEqual({
        ok: false,
        reason: 'division by zero',
      });
    });

    it('fails on a dynamic result that is not exactly true', () => {
      const result = evaluate(compiled('resource.properties.ownerID'), activation());
      expect(result).toEqual({ ok: false, reason: 'not a boolean: string' });
    });

    it('treats huge strings and NUL bytes in the data as plain data', () => {
      const huge = activation();
      huge.resource!.properties = { ownerID: `${'x'.repeat(1_000_000)}\u0000` };
      expect(evaluate(compiled('resource.properties.ownerID == subject.id'), huge)).toEqual({
        ok: false,
        reason: 'false',
      });
    });

    it('never throws, whatever the activation', () => {
      const condition = compiled('resource.properties.ownerID == subject.id');
      for (const broken of [null, undefined, 42, {}, { subject: null }]) {
        expect(evaluate(condition, broken as unknown as ConditionActivation)).toMatchObject({
          ok: false,
        });
      }
    });
  });

  describe(fromJson.name, () => {
    const parsed = () =>
      JSON.parse(
        '{"constructor": {"b": [1, {"__proto__": "p"}]}, "__proto__": {"x": 1}, "n": null}',
      ) as Record<string, unknown>;

    it('makes every object a Map, so constructor and __proto__ are keys like any other', () => {
      const context = fromJson(parsed()) as Map<string, unknown>;
      const withProperties = activation();
      withProperties.context = context;
      withProperties.resource!.properties = fromJson(parsed()) as Map<string, unknown>;
      expect(
        evaluate(
          compiled(
            'context["constructor"].b[1]["__proto__"] == "p" && context["__proto__"].x == 1 && ' +
              'context.n == null && resource.properties.size() == 3',
          ),
          withProperties,
        ),
      ).toEqual({ ok: true });
    });

    it('copies: the value it was given is not changed, nor shared', () => {
      const value = parsed();
      const copy = fromJson(value) as Map<string, unknown>;
      copy.set('time', 'changed');
      expect(value).toEqual(parsed());
      expect(Object.keys(value)).toEqual(['constructor', '__proto__', 'n']);
      expect(fromJson('text')).toBe('text');
      expect(fromJson([1, [2]])).toEqual([1, [2]]);
    });
  });
});

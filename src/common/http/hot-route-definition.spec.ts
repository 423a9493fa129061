import { expect } from 'expect';
import { describe, it } from 'node:test';
import { OpenAPIObject } from '@nestjs/swagger';
import { ValidationFailedError } from '../api-error';
import { describeHotRoutes, JsonObjectBody } from './hot-route-definition';

const NAME = {
  type: 'string',
  pattern: /^[a-z]{1,5}$/,
  problem: 'must be 1 to 5 letters',
} as const;
const body = new JsonObjectBody({
  name: { ...NAME, example: 'abc' },
  extra: { type: 'object' },
});

function problems(value: unknown): unknown {
  try {
    body.parse(value);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return (error as ValidationFailedError).details;
  }
}

describe(JsonObjectBody.name, () => {
  it('answers a body that keeps the rules', () => {
    expect(body.parse({ name: 'abc' })).toEqual({ name: 'abc' });
    expect(body.parse({ name: 'abc', extra: { any: 1 } })).toEqual({
      name: 'abc',
      extra: { any: 1 },
    });
  });

  it('names every wrong member in order, then every unknown one', () => {
    expect(problems({ name: 'TOO LONG', extra: [], other: 1 })).toEqual([
      { field: 'name', problem: 'must be 1 to 5 letters' },
      { field: 'extra', problem: 'must be an object' },
      { field: 'other', problem: 'should not exist' },
    ]);
    expect(problems({ extra: null })).toEqual([
      { field: 'name', problem: 'must be 1 to 5 letters' },
      { field: 'extra', problem: 'must be an object' },
    ]);
  });

  it('reads anything but an object as an object without members', () => {
    for (const value of [null, 'name', 42])
      expect(problems(value)).toEqual([{ field: 'name', problem: 'must be 1 to 5 letters' }]);
  });

  it('describes the same rules as an OpenAPI schema', () => {
    expect(body.schema()).toEqual({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', pattern: '^[a-z]{1,5}$', example: 'abc' },
        extra: { type: 'object', additionalProperties: true },
      },
    });
  });
});

describe(`${JsonObjectBody.name} with an object member of its own rules`, () => {
  const shaped = new JsonObjectBody({
    name: NAME,
    who: {
      type: 'object',
      problems: (value) =>
        typeof value.id === 'string' ? [] : [{ field: 'who.id', problem: 'must be a string' }],
      schema: { type: 'object', properties: { id: { type: 'string' } } },
    },
  });

  it('adds its problems to the others, in member order, and leaves an absent one alone', () => {
    expect(shaped.parse({ name: 'abc' })).toEqual({ name: 'abc' });
    expect(shaped.parse({ name: 'abc', who: { id: 'x' } })).toEqual({
      name: 'abc',
      who: { id: 'x' },
    });
    let details: unknown;
    try {
      shaped.parse({ name: 'TOO LONG', who: { id: 1 }, other: true });
    } catch (error) {
      details = (error as ValidationFailedError).details;
    }
    expect(details).toEqual([
      { field: 'name', problem: 'must be 1 to 5 letters' },
      { field: 'who.id', problem: 'must be a string' },
      { field: 'other', problem: 'should not exist' },
    ]);
  });

  it('describes it with its own schema', () => {
    expect(shaped.schema().properties?.who).toEqual({
      type: 'object',
      properties: { id: { type: 'string' } },
    });
  });
});

describe(describeHotRoutes.name, () => {
  const document = () => ({ paths: {} }) as OpenAPIObject;
  const operation = { summary: 's', responses: { '200': { description: 'ok' } } };

  it('puts the operation under each method, with the request body of its JSON body', () => {
    const doc = document();
    describeHotRoutes(doc, [{ methods: ['POST'], path: '/x', operation, body }]);
    expect(Object.keys(doc.paths['/x'])).toEqual(['post']);
    expect(doc.paths['/x'].post).toEqual({
      summary: 's',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: body.schema() } },
      },
      responses: operation.responses,
    });
  });

  it('describes a prefix route at its path and at {path} below it', () => {
    const doc = document();
    describeHotRoutes(doc, [{ methods: ['GET', 'HEAD'], path: '/g', prefix: true, operation }]);
    expect(Object.keys(doc.paths['/g'])).toEqual(['get', 'head']);
    expect(doc.paths['/g'].get?.parameters).toEqual([]);
    expect(doc.paths['/g/{path}'].head?.parameters).toEqual([
      { name: 'path', in: 'path', required: true, schema: { type: 'string' } },
    ]);
  });
});

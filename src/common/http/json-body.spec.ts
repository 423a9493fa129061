import { expect } from 'expect';
import { inject, InjectOptions } from 'light-my-request';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readJsonBody } from './json-body';
import { GatehouseError } from '../errors';

const LIMIT = 64;

/** Answers 200 with what readJsonBody gave, or the GatehouseError's status and message. */
async function echo(request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const body = await readJsonBody(request, LIMIT);
    response.writeHead(200).end(JSON.stringify({ body: body === undefined ? '(none)' : body }));
  } catch (error) {
    const { status, message } = error as GatehouseError;
    response.writeHead(status).end(JSON.stringify({ message }));
  }
}

async function read(options: InjectOptions): Promise<{ status: number; json: unknown }> {
  const listener = (request: IncomingMessage, response: ServerResponse) =>
    void echo(request, response);
  const response = await inject(listener, { method: 'POST', url: '/', ...options });
  return { status: response.statusCode, json: response.json() };
}

const json = (payload: string | Readable, headers: Record<string, string> = {}) =>
  read({ payload, headers: { 'content-type': 'application/json', ...headers } });

describe(readJsonBody.name, () => {
  it('parses application/json, parameters and case aside', async () => {
    expect(await json('{"a":[1,"x"]}')).toEqual({ status: 200, json: { body: { a: [1, 'x'] } } });
    expect(await json('{"a":1}', { 'content-type': 'Application/JSON ; charset=utf-8' })).toEqual({
      status: 200,
      json: { body: { a: 1 } },
    });
  });

  it('gives undefined for a request without a body or a content type', async () => {
    expect(await read({})).toEqual({ status: 200, json: { body: '(none)' } });
  });

  it('answers 415 for a body that is not JSON, or has no content type', async () => {
    const unsupported = { status: 415, json: { message: 'unsupported Content-Type' } };
    expect(await read({ payload: 'a=1', headers: { 'content-type': 'text/plain' } })).toEqual(
      unsupported,
    );
    expect(
      await read({ payload: '{}', headers: { 'content-type': 'application/json-patch' } }),
    ).toEqual(unsupported);
    expect(await read({ payload: '{}', headers: { 'content-type': '' } })).toEqual(unsupported);
  });

  it('answers 413 past the limit, by Content-Length or by what arrives', async () => {
    const tooLarge = { status: 413, json: { message: 'the request body is too large' } };
    expect(await json(JSON.stringify({ a: 'x'.repeat(LIMIT) }))).toEqual(tooLarge);
    // Chunked: no Content-Length to refuse up front.
    const stream = Readable.from([Buffer.from('{"a":"'), Buffer.from('x'.repeat(LIMIT)), '"}']);
    expect(await json(stream)).toEqual(tooLarge);
    expect(await json(JSON.stringify({ a: 'x'.repeat(LIMIT - 10) }))).toEqual({
      status: 200,
      json: { body: { a: 'x'.repeat(LIMIT - 10) } },
    });
  });

  it('answers 400 for an empty or malformed body, and for prototype poisoning', async () => {
    expect(await json('')).toEqual({ status: 400, json: { message: 'the JSON body is empty' } });
    const invalid = { status: 400, json: { message: 'the body is not valid JSON' } };
    expect(await json('{"a":')).toEqual(invalid);
    expect(await json('{"__proto__":{"admin":true}}')).toEqual(invalid);
    expect(await json('{"constructor":{"prototype":{"admin":true}}}')).toEqual(invalid);
  });
});

// What setup.mjs and run-decisions.mjs share: reading the environment, getting a token with the
// client_credentials grant (RFC 6749 §4.4, HTTP Basic client authentication, §2.3.1) and calling
// Gatehouse's JSON API. Node 20's fetch only, no dependencies.
import { setTimeout as sleep } from 'node:timers/promises';

/** GATEHOUSE_URL without a trailing slash; http://localhost:3000 when unset. */
export function gatehouseUrl() {
  return (process.env.GATEHOUSE_URL || 'http://localhost:3000').replace(/\/+$/, '');
}

/** The environment variable `name`, or the end of the script with a message saying so. */
export function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set (see examples/authzen-todo/README.md)`);
    process.exit(2);
  }
  return value;
}

/**
 * Waits until Gatehouse answers GET /health/ready with 200 (docs/operations.md): a server just
 * started with `npm start` builds first. Gives up after `seconds`.
 */
export async function untilReady(baseUrl, seconds = 180) {
  const deadline = Date.now() + seconds * 1000;
  let told = false;
  for (;;) {
    const status = await fetch(`${baseUrl}/health/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline)
      throw new Error(
        `${baseUrl} was not ready within ${seconds} s (last answer: ${status || 'none'})`,
      );
    if (!told) console.log(`waiting for Gatehouse at ${baseUrl} to be ready…`);
    told = true;
    await sleep(1000);
  }
}

/** An error that carries the HTTP answer it is about. */
export class GatehouseError extends Error {
  constructor(what, status, body) {
    super(`${what}: HTTP ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** An access token for the client, asking for `scope` (RFC 6749 §4.4.2). */
export async function clientCredentialsToken(baseUrl, clientId, clientSecret, scope) {
  // RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined.
  const basic = Buffer.from(
    `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
  ).toString('base64');
  const response = await fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  const body = await readBody(response);
  if (response.status !== 200)
    throw new GatehouseError(`token for ${clientId}`, response.status, body);
  const granted = (body.scope ?? '').split(' ');
  const missing = scope.split(' ').filter((wanted) => !granted.includes(wanted));
  if (missing.length > 0)
    throw new Error(
      `the token of ${clientId} lacks ${missing.join(' ')}: its scope is "${body.scope}"`,
    );
  return body.access_token;
}

/**
 * Calls to the admin API (docs/endpoints.md) with `token`: `call(method, path, body?)` answers
 * `{status, body, headers}` for any status, `list(path)` pages through a list route.
 */
export function adminApi(baseUrl, token) {
  async function call(method, path, payload) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    return { status: response.status, body: await readBody(response), headers: response.headers };
  }

  /** Every item of a paginated list route (`limit`, `offset`, X-Total-Count). */
  async function list(path) {
    const items = [];
    for (;;) {
      const page = await call('GET', `${path}?limit=200&offset=${items.length}`);
      if (page.status !== 200) throw new GatehouseError(`GET ${path}`, page.status, page.body);
      items.push(...page.body);
      const total = Number(page.headers.get('x-total-count'));
      if (page.body.length === 0 || !(items.length < total)) return items;
    }
  }

  return { call, list };
}

async function readBody(response) {
  const text = await response.text();
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return text;
  }
}

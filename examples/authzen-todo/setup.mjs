#!/usr/bin/env node
// Puts the AuthZEN Todo interop scenario into a running Gatehouse through its admin API: the
// roles of policy.json, the people of users.json with their roles, and a client for the policy
// enforcement point (PEP) holding iam:check. Running it again changes nothing. See README.md.
//
//   GATEHOUSE_URL=http://localhost:3000 ADMIN_CLIENT_ID=… ADMIN_CLIENT_SECRET=… node setup.mjs
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  adminApi,
  clientCredentialsToken,
  GatehouseError,
  gatehouseUrl,
  requiredEnv,
  untilReady,
} from './gatehouse-api.mjs';

const PEP_CLIENT_NAME = 'AuthZEN Todo PEP';
const readJson = (name) => JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8'));

const tally = { created: 0, updated: 0, unchanged: 0 };
function report(what, outcome, detail = '') {
  tally[outcome] += 1;
  console.log(`${what}: ${outcome}${detail ? ` (${detail})` : ''}`);
}

/** The fields of `wanted` whose value differs from `current`'s (arrays compared as sets). */
function differences(current, wanted) {
  const canonical = (value) =>
    JSON.stringify(
      Array.isArray(value)
        ? [...value].sort()
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
          : value,
    );
  return Object.keys(wanted).filter((key) => canonical(current[key]) !== canonical(wanted[key]));
}

function expectStatus(answer, status, what) {
  if (answer.status !== status) throw new GatehouseError(what, answer.status, answer.body);
  return answer.body;
}

/** POST /admin/roles, or PATCH /admin/roles/{name} with what differs (docs/access.md). */
async function ensureRole(api, role) {
  const path = `/admin/roles/${encodeURIComponent(role.name)}`;
  const wanted = {
    description: role.description,
    permissions: role.permissions,
    conditions: role.conditions ?? {},
  };
  const current = await api.call('GET', path);
  if (current.status === 404) {
    expectStatus(
      await api.call('POST', '/admin/roles', { name: role.name, ...wanted }),
      201,
      `create role ${role.name}`,
    );
    return report(`role ${role.name}`, 'created');
  }
  const changed = differences(expectStatus(current, 200, `read role ${role.name}`), wanted);
  if (changed.length === 0) return report(`role ${role.name}`, 'unchanged');
  expectStatus(await api.call('PATCH', path, wanted), 200, `update role ${role.name}`);
  report(`role ${role.name}`, 'updated', changed.join(', '));
}

/**
 * The person as a user whose username is their subject identifier at the identity provider and
 * whose email is their address, holding exactly their roles. A new user gets a random password
 * nobody is told: these people sign in at their identity provider, not here.
 */
async function ensurePerson(api, usersByName, person) {
  const what = `user ${person.username} (${person.email})`;
  const wanted = { email: person.email, email_verified: true, name: person.name };
  let user = usersByName.get(person.username.toLowerCase());
  if (!user) {
    user = expectStatus(
      await api.call('POST', '/admin/users', {
        username: person.username,
        password: randomBytes(24).toString('base64url'),
        ...wanted,
      }),
      201,
      `create ${what}`,
    );
    report(what, 'created');
  } else {
    const changed = differences(user, wanted);
    if (changed.length === 0) report(what, 'unchanged');
    else {
      expectStatus(
        await api.call('PATCH', `/admin/users/${user.id}`, wanted),
        200,
        `update ${what}`,
      );
      report(what, 'updated', changed.join(', '));
    }
  }
  // Replacing a user's roles with the ones they hold already changes and records nothing.
  expectStatus(
    await api.call('PUT', `/admin/users/${user.id}/roles`, { roles: person.roles }),
    200,
    `set the roles of ${what}`,
  );
}

/** An m2m client with scope iam:check, for the PEP to ask the AuthZEN endpoints with. */
async function ensurePepClient(api) {
  const existing = (await api.list('/admin/clients')).find(
    (client) => client.client_name === PEP_CLIENT_NAME,
  );
  if (!existing) {
    const created = expectStatus(
      await api.call('POST', '/admin/clients', {
        client_name: PEP_CLIENT_NAME,
        client_type: 'm2m',
        scope: 'iam:check',
      }),
      201,
      `create client ${PEP_CLIENT_NAME}`,
    );
    report(`client ${PEP_CLIENT_NAME}`, 'created');
    console.log(
      `PEP client: client_id=${created.client_id} client_secret=${created.client_secret}`,
    );
    console.log('(the secret is shown once; give both to run-decisions.mjs:)');
    console.log(
      `export PEP_CLIENT_ID=${created.client_id} PEP_CLIENT_SECRET=${created.client_secret}`,
    );
    return;
  }
  const changed = differences(existing, { scope: 'iam:check' });
  if (changed.length === 0) report(`client ${PEP_CLIENT_NAME}`, 'unchanged');
  else {
    expectStatus(
      await api.call('PATCH', `/admin/clients/${existing.client_id}`, { scope: 'iam:check' }),
      200,
      `update client ${PEP_CLIENT_NAME}`,
    );
    report(`client ${PEP_CLIENT_NAME}`, 'updated', changed.join(', '));
  }
  console.log(
    `PEP client: client_id=${existing.client_id} (its secret was shown when it was created; ` +
      `POST /admin/clients/${existing.client_id}/secret makes a new one)`,
  );
}

async function main() {
  const baseUrl = gatehouseUrl();
  const adminId = requiredEnv('ADMIN_CLIENT_ID');
  const adminSecret = requiredEnv('ADMIN_CLIENT_SECRET');
  await untilReady(baseUrl);
  const token = await clientCredentialsToken(baseUrl, adminId, adminSecret, 'iam:admin iam:check');
  const api = adminApi(baseUrl, token);
  for (const role of readJson('policy.json').roles) await ensureRole(api, role);
  const usersByName = new Map(
    (await api.list('/admin/users')).map((user) => [user.username.toLowerCase(), user]),
  );
  for (const person of readJson('users.json').users) await ensurePerson(api, usersByName, person);
  await ensurePepClient(api);
  console.log(
    `Done: ${tally.created} created, ${tally.updated} updated, ${tally.unchanged} unchanged.`,
  );
}

main().catch((error) => {
  // fetch names what went wrong with the connection (ECONNREFUSED…) in its cause.
  const cause = error.cause ? ` (${error.cause.code ?? error.cause.message})` : '';
  console.error(`setup failed: ${error.message}${cause}; GATEHOUSE_URL is ${gatehouseUrl()}`);
  process.exit(1);
});

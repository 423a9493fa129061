import { expect } from 'expect';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UUID } from '../support/access';
import { startListeningApp } from '../support/listening-app';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, basicAuth, TestApp } from '../support/test-app';

/**
 * The OpenID AuthZEN interop "Todo" scenario as shipped in examples/authzen-todo: the example's
 * own setup.mjs provisions a Gatehouse listening on a socket, and the interop decision table
 * (decisions.json, verbatim) is sent as the interop's PEP sends it.
 */
const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'authzen-todo');
const readExample = (name: string) => JSON.parse(readFileSync(join(EXAMPLE, name), 'utf8'));

interface Decision {
  request: {
    subject: { type: string; id: string };
    action: { name: string };
    resource: { type: string; id: string; properties?: { ownerID: string } };
  };
  expected: boolean;
}
interface Role {
  name: string;
  description: string;
  permissions: string[];
  conditions: Record<string, string>;
}
interface Person {
  username: string;
  email: string;
  name: string;
  roles: string[];
}
const table: Decision[] = readExample('decisions.json').evaluation;
const roles: Role[] = readExample('policy.json').roles;
const people: Person[] = readExample('users.json').users;

const person = (id: string) => people.find((candidate) => candidate.username === id)!;
const [rick, morty, summer, beth, jerry] = ['rick', 'morty', 'summer', 'beth', 'jerry'].map(
  (first) => people.find((candidate) => candidate.email.startsWith(`${first}@`))!,
);

/**
 * The reason of a deny: a person holding the permission through a role whose condition is false
 * is `condition_failed`, one not holding it at all `permission_denied` (docs/reason-codes.md).
 */
function denyReason({ subject, action, resource }: Decision['request']): string {
  const permission = `${resource.type}:${action.name}`;
  const held = person(subject.id).roles.some((name) =>
    roles.find((role) => role.name === name)!.permissions.includes(permission),
  );
  return held ? 'condition_failed' : 'permission_denied';
}

/** `#n <email> <action> <owner or resource id>`, to say which entry of the table failed. */
const describeEntry = ({ subject, action, resource }: Decision['request'], index: number) =>
  `#${index + 1} ${person(subject.id).email} ${action.name} ${resource.properties?.ownerID ?? resource.id}`;

/** The JSON body of a fetch answer. */
const bodyOf = (response: Response): Promise<any> => response.json();

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one of the example's scripts with `node`, with only `env` (and PATH) as environment. */
function runExample(script: string, env: Record<string, string>, args: string[] = []) {
  return new Promise<ScriptRun>((resolve) => {
    execFile(
      process.execPath,
      [join(EXAMPLE, script), ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('AuthZEN interop "Todo" scenario (examples/authzen-todo)', () => {
  let sut: TestApp;
  let issuer: string;
  let adminEnv: Record<string, string>;
  let firstSetup: ScriptRun;
  let pep: { client_id: string; client_secret: string };
  /** The Authorization header the PEP sends: AUTHZEN_PDP_API_KEY of the interop runner. */
  let pepKey: string;
  const userIds = new Map<string, string>();

  before(async () => {
    ({ sut, issuer } = await startListeningApp());
    adminEnv = {
      GATEHOUSE_URL: issuer,
      ADMIN_CLIENT_ID,
      ADMIN_CLIENT_SECRET,
    };
    firstSetup = await runExample('setup.mjs', adminEnv);
    const credentials = /^PEP client: client_id=(\S+) client_secret=(\S+)$/m.exec(
      firstSetup.stdout,
    );
    if (firstSetup.code !== 0 || !credentials)
      throw new Error(`setup.mjs: ${firstSetup.code} ${firstSetup.stdout} ${firstSetup.stderr}`);
    pep = { client_id: credentials[1], client_secret: credentials[2] };
    const token = await sut.postForm(
      '/token',
      { grant_type: 'client_credentials', scope: 'iam:check' },
      { authorization: basicAuth(pep.client_id, pep.client_secret) },
    );
    expect(token.statusCode).toBe(200);
    pepKey = `Bearer ${token.json().access_token}`;
    for (const user of (await sut.admin('GET', '/admin/users?limit=200')).json())
      userIds.set(user.username, user.id);
  });
  after(() => sut.close());

  /** POST as the interop runner does: fetch, its two headers, the request as the body. */
  const post = (path: string, body: unknown) =>
    fetch(`${issuer}${path}`, {
      method: 'POST',
      headers: { Authorization: pepKey, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** The entries of `table` whose answer is not a 200 with the expected decision and reason. */
  async function mismatches(entries: Decision[]): Promise<string[]> {
    const found: string[] = [];
    for (const [index, { request, expected }] of entries.entries()) {
      const response = await post('/access/v1/evaluation', request);
      const body = await response.text();
      const reason = expected ? 'allowed' : denyReason(request);
      const wanted = { decision: expected, context: { reason, decision_id: expect.any(String) } };
      let answer: unknown;
      try {
        answer = JSON.parse(body);
      } catch {
        answer = body;
      }
      if (response.status !== 200 || !expect.objectContaining(wanted).asymmetricMatch(answer))
        found.push(
          `${describeEntry(request, index)}: expected ${expected} (${reason}), got ${response.status} ${body}`,
        );
    }
    return found;
  }

  it('setup.mjs creates the roles of policy.json, the people of users.json and a PEP client', async () => {
    expect(firstSetup.stderr).toBe('');
    const lines = firstSetup.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      ...roles.map((role) => `role ${role.name}: created`),
      ...people.map((one) => `user ${one.username} (${one.email}): created`),
      'client AuthZEN Todo PEP: created',
      `PEP client: client_id=${pep.client_id} client_secret=${pep.client_secret}`,
      '(the secret is shown once; give both to run-decisions.mjs:)',
      `export PEP_CLIENT_ID=${pep.client_id} PEP_CLIENT_SECRET=${pep.client_secret}`,
      'Done: 10 created, 0 updated, 0 unchanged.',
    ]);
    for (const role of roles) {
      const stored = await sut.admin('GET', `/admin/roles/${role.name}`);
      expect(stored.statusCode).toBe(200);
      expect(stored.json()).toEqual({
        ...role,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
    }
    for (const one of people) {
      const user = await sut.admin('GET', `/admin/users/${userIds.get(one.username)}`);
      expect(user.json()).toMatchObject({
        username: one.username,
        email: one.email,
        email_verified: true,
        name: one.name,
        status: 'active',
      });
    }
    const client = await sut.admin('GET', `/admin/clients/${pep.client_id}`);
    expect(client.json()).toMatchObject({ client_name: 'AuthZEN Todo PEP', scope: 'iam:check' });
  });

  it('setup.mjs stops with a message, changing nothing, without admin credentials or with wrong ones', async () => {
    const since = new Date().toISOString();
    expect(await runExample('setup.mjs', { GATEHOUSE_URL: issuer })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ADMIN_CLIENT_ID is not set (see examples/authzen-todo/README.md)\n',
    });
    const wrong = await runExample('setup.mjs', {
      ...adminEnv,
      ADMIN_CLIENT_SECRET: `${ADMIN_CLIENT_SECRET}x`,
    });
    expect(wrong).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `setup failed: token for ${ADMIN_CLIENT_ID}: HTTP 401 {"error":"invalid_client",` +
        `"error_description":"client authentication failed; check that the client uses its ` +
        `registered token_endpoint_auth_method"}; GATEHOUSE_URL is ${issuer}\n`,
    });
    // Nothing was created or changed.
    const events = await sut.admin('GET', `/admin/audit-events?since=${encodeURIComponent(since)}`);
    expect({ total: events.headers['x-total-count'], events: events.json() }).toEqual({
      total: '0',
      events: [],
    });
  });

  it('decisions.json holds the interop table unaltered: 40 evaluations of five people', () => {
    // The published file's size and digest (examples/authzen-todo/README.md names its commit):
    // an edit or a reformatting of the copy fails here.
    const text = readFileSync(join(EXAMPLE, 'decisions.json'));
    expect({
      bytes: text.length,
      sha256: createHash('sha256').update(text).digest('hex'),
    }).toEqual({
      bytes: 16_456,
      sha256: '60b03ef6b2a28818c4cbda6ee9a67e8c308ce620109dc4f9d43d001d33861fcb',
    });
    expect(table).toHaveLength(40);
    expect(new Set(table.map((entry) => entry.request.subject.id))).toEqual(
      new Set(people.map((one) => one.username)),
    );
  });

  it('answers all 40 decisions of the table verbatim at /access/v1/evaluation', async () => {
    expect(await mismatches(table)).toEqual([]);
  });

  it('answers each with 200 application/json, a decision id and the reason', async () => {
    const response = await post('/access/v1/evaluation', table[0].request);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await bodyOf(response);
    expect(body).toEqual({
      decision: true,
      context: { reason: 'allowed', decision_id: expect.stringMatching(UUID) },
    });
    expect(response.headers.get('x-decision-id')).toBe(body.context.decision_id);
  });

  it('run-decisions.mjs passes all 40, line by line, and exits 0, as the PEP client or the admin', async () => {
    for (const credentials of <Array<Record<string, string>>>[
      { PEP_CLIENT_ID: pep.client_id, PEP_CLIENT_SECRET: pep.client_secret },
      { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET },
    ]) {
      const run = await runExample('run-decisions.mjs', { GATEHOUSE_URL: issuer, ...credentials });
      const lines = run.stdout.trimEnd().split('\n');
      expect({ code: run.code, stderr: run.stderr, summary: lines.at(-1) }).toEqual({
        code: 0,
        stderr: '',
        summary: '40 of 40 passed, 0 failed.',
      });
      expect(lines.slice(0, -1)).toEqual(
        table.map(
          ({ request }, index) =>
            `${String(index + 1).padStart(2)} PASS REQ: ${JSON.stringify(request)}`,
        ),
      );
    }
  });

  it('run-decisions.mjs reports a FAIL and exits 1 when an answer differs from the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authzen-todo-'));
    try {
      const altered = structuredClone(table);
      altered[3].expected = !altered[3].expected;
      writeFileSync(join(dir, 'decisions.json'), JSON.stringify({ evaluation: altered }));
      const run = await runExample(
        'run-decisions.mjs',
        { GATEHOUSE_URL: issuer, AUTHZEN_PDP_API_KEY: pepKey },
        [join(dir, 'decisions.json')],
      );
      expect(run.code).toBe(1);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[3]).toMatch(
        /^ 4 FAIL REQ: .* \(expected false, got HTTP 200 \{"decision":true,/,
      );
      expect(lines.filter((line) => / FAIL /.test(line))).toHaveLength(1);
      expect(lines.at(-1)).toBe('39 of 40 passed, 1 failed.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers the 40 as one /access/v1/evaluations batch, in order', async () => {
    const response = await post('/access/v1/evaluations', {
      evaluations: table.map((entry) => entry.request),
    });
    expect(response.status).toBe(200);
    const { evaluations } = await bodyOf(response);
    expect(evaluations.map((answer: { decision: boolean }) => answer.decision)).toEqual(
      table.map((entry) => entry.expected),
    );
  });

  it('answers each person’s eight as a batch with the subject as the default (§7.1.1)', async () => {
    for (const one of people) {
      const own = table.filter((entry) => entry.request.subject.id === one.username);
      expect(own).toHaveLength(8);
      const response = await post('/access/v1/evaluations', {
        subject: { type: 'user', id: one.username },
        evaluations: own.map(({ request: { action, resource } }) => ({ action, resource })),
      });
      expect(response.status).toBe(200);
      const { evaluations } = await bodyOf(response);
      expect({
        who: one.email,
        decisions: evaluations.map((answer: any) => answer.decision),
      }).toEqual({
        who: one.email,
        decisions: own.map((entry) => entry.expected),
      });
    }
  });

  it('a second run of setup.mjs changes nothing, records nothing and still succeeds', async () => {
    const rolesBefore = (await sut.admin('GET', '/admin/roles?limit=200')).json();
    const usersBefore = (await sut.admin('GET', '/admin/users?limit=200')).json();
    const since = new Date().toISOString();
    const second = await runExample('setup.mjs', adminEnv);
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(second.stdout.trimEnd().split('\n')).toEqual([
      ...roles.map((role) => `role ${role.name}: unchanged`),
      ...people.map((one) => `user ${one.username} (${one.email}): unchanged`),
      'client AuthZEN Todo PEP: unchanged',
      `PEP client: client_id=${pep.client_id} (its secret was shown when it was created; ` +
        `POST /admin/clients/${pep.client_id}/secret makes a new one)`,
      'Done: 0 created, 0 updated, 10 unchanged.',
    ]);
    const events = await sut.admin('GET', `/admin/audit-events?since=${encodeURIComponent(since)}`);
    expect({ total: events.headers['x-total-count'], events: events.json() }).toEqual({
      total: '0',
      events: [],
    });
    expect((await sut.admin('GET', '/admin/roles?limit=200')).json()).toEqual(rolesBefore);
    expect((await sut.admin('GET', '/admin/users?limit=200')).json()).toEqual(usersBefore);
    expect(await mismatches(table)).toEqual([]);
  });

  it('setup.mjs puts back a role condition, an email and roles changed since', async () => {
    const editor = roles.find((role) => role.name === 'todo-editor')!;
    const mortyId = userIds.get(morty.username)!;
    expect(
      (await sut.admin('PATCH', `/admin/roles/${editor.name}`, { conditions: {} })).statusCode,
    ).toBe(200);
    expect(
      (await sut.admin('PATCH', `/admin/users/${mortyId}`, { email: 'morty@example.com' }))
        .statusCode,
    ).toBe(200);
    expect(
      (await sut.admin('PUT', `/admin/users/${mortyId}/roles`, { roles: ['todo-admin'] }))
        .statusCode,
    ).toBe(200);
    const wrong = await mismatches(table);
    // Morty, an admin only, deletes any todo but no longer updates his own (his email is
    // another); Summer, an editor without conditions, changes Rick's todo.
    expect(wrong.map((line) => line.split(':')[0])).toEqual([
      `#14 ${morty.email} can_update_todo ${morty.email}`,
      `#15 ${morty.email} can_delete_todo ${rick.email}`,
      `#21 ${summer.email} can_update_todo ${rick.email}`,
      `#23 ${summer.email} can_delete_todo ${rick.email}`,
    ]);

    const repair = await runExample('setup.mjs', adminEnv);
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain(`role ${editor.name}: updated (conditions)\n`);
    expect(repair.stdout).toContain(
      `user ${morty.username} (${morty.email}): updated (email, email_verified)\n`,
    );
    expect(repair.stdout).toContain('Done: 0 created, 2 updated, 8 unchanged.\n');
    expect(await mismatches(table)).toEqual([]);
  });

  describe('subject search over the scenario (§8)', () => {
    const search = async (action: string, properties?: object) => {
      const response = await post('/access/v1/search/subject', {
        subject: { type: 'user' },
        action: { name: action },
        resource: { type: 'todo', id: 'todo-1', ...(properties ? { properties } : {}) },
      });
      expect(response.status).toBe(200);
      return (await bodyOf(response)).results;
    };
    const asSubjects = (who: Person[]) =>
      who
        .map((one) => userIds.get(one.username)!)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map((id) => ({ type: 'user', id }));

    it('lists all five for can_read_todos', async () => {
      expect(await search('can_read_todos')).toEqual(asSubjects(people));
    });

    it('lists rick, morty and summer for can_create_todo', async () => {
      expect(await search('can_create_todo')).toEqual(asSubjects([rick, morty, summer]));
    });

    it('lists who may update and delete a todo by its owner: rick, and the owner if an editor', async () => {
      for (const action of ['can_update_todo', 'can_delete_todo']) {
        expect(await search(action, { ownerID: morty.email })).toEqual(asSubjects([rick, morty]));
        expect(await search(action, { ownerID: rick.email })).toEqual(asSubjects([rick]));
        expect(await search(action, { ownerID: beth.email })).toEqual(asSubjects([rick]));
        expect(await search(action)).toEqual(asSubjects([rick]));
      }
    });
  });

  describe('what the PEP sends cannot stand in for what the administrator set', () => {
    const update = (who: Person, resource: object, subjectProperties?: object) => ({
      subject: {
        type: 'user',
        id: who.username,
        ...(subjectProperties ? { properties: subjectProperties } : {}),
      },
      action: { name: 'can_update_todo' },
      resource: { type: 'todo', id: '7240d0db-8ff0-41ec-98b2-34a096273b9f', ...resource },
    });
    const decide = async (request: object) => {
      const response = await post('/access/v1/evaluation', request);
      expect(response.status).toBe(200);
      const { decision, context } = await bodyOf(response);
      return { decision, reason: context.reason };
    };
    const ricks = { properties: { ownerID: rick.email } };
    const mortys = { properties: { ownerID: morty.email } };

    it('an editor stays denied a todo of another even with subject.properties.email its owner’s', async () => {
      for (const properties of [
        { email: rick.email },
        { email: rick.email, roles: ['todo-admin'] },
      ])
        expect(await decide(update(morty, ricks, properties))).toEqual({
          decision: false,
          reason: 'condition_failed',
        });
    });

    it('an editor keeps its own todo whatever email subject.properties claims', async () => {
      expect(await decide(update(morty, mortys, { email: summer.email }))).toEqual({
        decision: true,
        reason: 'allowed',
      });
    });

    it('a viewer stays denied with subject.properties.email the owner’s', async () => {
      for (const viewer of [beth, jerry])
        expect(
          await decide(
            update(viewer, { properties: { ownerID: viewer.email } }, { email: viewer.email }),
          ),
        ).toEqual({
          decision: false,
          reason: 'permission_denied',
        });
    });

    it('an ownerID that is missing, not a string or not exactly the email is a deny, never a 500', async () => {
      const resources = [
        {},
        { properties: {} },
        { properties: { ownerID: null } },
        { properties: { ownerID: 42 } },
        { properties: { ownerID: true } },
        { properties: { ownerID: [morty.email] } },
        { properties: { ownerID: { email: morty.email } } },
        { properties: { ownerID: ` ${morty.email}` } },
        { properties: { ownerID: morty.email.toUpperCase() } },
        { properties: { owner: morty.email } },
        { properties: { ownerID: 'x'.repeat(16_384) } },
      ];
      for (const resource of resources)
        expect({ resource, ...(await decide(update(morty, resource))) }).toEqual({
          resource,
          decision: false,
          reason: 'condition_failed',
        });
    });

    it('refuses an ownerID with a NUL, over 16,384 characters, or a __proto__ member with 400 (docs/security/input.md)', async () => {
      const bodies = [
        JSON.stringify(update(morty, { properties: { ownerID: `${morty.email}\u0000` } })),
        JSON.stringify(update(morty, { properties: { ownerID: 'x'.repeat(16_385) } })),
        JSON.stringify(update(morty, { properties: { ownerID: morty.email } })).replace(
          '"properties":{',
          `"properties":{"__proto__":{"ownerID":"${rick.email}"},`,
        ),
      ];
      for (const body of bodies) {
        const response = await fetch(`${issuer}/access/v1/evaluation`, {
          method: 'POST',
          headers: { Authorization: pepKey, 'Content-Type': 'application/json' },
          body,
        });
        expect({ status: response.status, error: (await bodyOf(response)).error }).toEqual({
          status: 400,
          error: 'invalid_request',
        });
      }
    });

    it('names the subject by email as well, with the same answers (docs/access.md)', async () => {
      const byEmail = table
        .filter((entry) => entry.request.subject.id === morty.username)
        .map(({ request, expected }) => ({
          request: { ...request, subject: { type: 'user', id: morty.email } },
          expected,
        }));
      const response = await post('/access/v1/evaluations', {
        evaluations: byEmail.map((entry) => entry.request),
      });
      const { evaluations } = await bodyOf(response);
      expect(evaluations.map((answer: any) => answer.decision)).toEqual(
        byEmail.map((entry) => entry.expected),
      );
    });
  });
});

'use strict';
// Issue 12's AuthZEN figure, appended to scenarios.js (same shape, see its header comment):
// authzen_evaluation, beside check_gateway in the same run.
const JSON_TYPE = 'application/json';
const PASSWORD = 'correct horse battery staple';
const ROLE = 'bench-authzen-documents';
/** Held through the role with no condition. */
const PLAIN = { type: 'documents', action: 'read' };
/** Held through the role only while its condition is true (docs/access.md, "Conditions"). */
const CONDITIONED = { type: 'documents', action: 'approve' };
/** Ownership (the interop Todo scenario's rule): the PEP names the owner in resource.properties. */
const CONDITION = 'resource.properties.ownerID == subject.id';

/** An AuthZEN 1.0 §6 evaluation body for a user named by id, about a document `owner` owns. */
function evaluation(userId, { type, action }, owner = userId) {
  return JSON.stringify({
    subject: { type: 'user', id: userId },
    action: { name: action },
    resource: { type, id: 'doc-42', properties: { ownerID: owner } },
  });
}

/** The decision and reason of an /access/v1/evaluation answer, or why it is not one. */
function decisionOf(response) {
  if (response.status !== 200 || typeof response.json?.decision !== 'boolean') {
    throw new Error(
      `POST /access/v1/evaluation: expected 200 with a decision, got ${response.status} ${response.text}`,
    );
  }
  return `${response.json.decision} ${response.json.context?.reason}`;
}

/** Every measured answer: 200, allowed (a denial here means the engine got it wrong). */
const evaluationAllowed = (status, body) =>
  status === 200 && body.startsWith('{"decision":true,"context":{"reason":"allowed"');

const authzenEvaluation = {
  // AuthZEN 1.0 §6 through Fastify and Nest (not a hot route): a PEP with iam:check asks about a
  // user named by id, alternately for a permission its role grants outright and for one the
  // role grants on a condition reading resource.properties (ownership).
  name: 'authzen_evaluation',
  server: 'gatehouse',
  includes: ['check_gateway'],
  reference: 'check_gateway',
  async setup({ gatehouse }) {
    const role = await gatehouse.admin('POST', '/admin/roles', {
      name: ROLE,
      permissions: [`${PLAIN.type}:${PLAIN.action}`, `${CONDITIONED.type}:${CONDITIONED.action}`],
      conditions: { [`${CONDITIONED.type}:${CONDITIONED.action}`]: CONDITION },
    });
    gatehouse.expectStatus('POST /admin/roles', role, 201);
    const user = async (department) => {
      const created = await gatehouse.createUser({
        username: `bench-authzen-${department}-${Date.now().toString(36)}`,
        password: PASSWORD,
        attributes: { department },
      });
      const roles = await gatehouse.admin(
        'PUT',
        `/admin/users/${encodeURIComponent(created.id)}/roles`,
        { roles: [ROLE] },
      );
      gatehouse.expectStatus('PUT /admin/users/{id}/roles', roles, 200);
      return created.id;
    };
    const [finance, sales] = [await user('finance'), await user('sales')];
    const pep = await gatehouse.createClient({
      client_name: 'bench authzen pep',
      client_type: 'm2m',
      scope: 'iam:check',
    });
    const token = await gatehouse.clientCredentials(pep.client_id, pep.client_secret);
    if (token.scope !== 'iam:check') {
      throw new Error(`PEP token: expected scope iam:check, got ${JSON.stringify(token)}`);
    }
    const headers = { authorization: `Bearer ${token.access_token}`, 'content-type': JSON_TYPE };
    const ask = (userId, permission, owner) =>
      gatehouse.call('POST', '/access/v1/evaluation', {
        headers,
        body: evaluation(userId, permission, owner),
      });
    // The answers the measured requests must get, and the denial that shows the condition is read.
    const expected = [
      [finance, PLAIN, finance, 'true allowed'],
      [finance, CONDITIONED, finance, 'true allowed'],
      [sales, PLAIN, finance, 'true allowed'],
      [sales, CONDITIONED, finance, 'false condition_failed'],
    ];
    for (const [userId, permission, owner, want] of expected) {
      const response = await ask(userId, permission, owner);
      const got = decisionOf(response);
      const checked = want === 'true allowed' ? evaluationAllowed(200, response.text) : true;
      if (got !== want || !checked) {
        throw new Error(
          `evaluation of ${permission.type}:${permission.action}: expected ${want}, got ${got}`,
        );
      }
    }
    return {
      requests: [PLAIN, CONDITIONED].map((permission) => ({
        method: 'POST',
        path: '/access/v1/evaluation',
        headers,
        body: evaluation(finance, permission),
      })),
      check: evaluationAllowed,
    };
  },
};

module.exports = [authzenEvaluation];

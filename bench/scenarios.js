'use strict';
// The scenarios `npm run bench` measures, in order. `baseline` must stay first: every other
// scenario's ratio is its req/s over the baseline's.
//
// A scenario is:
//   name       the row in the table (BENCH_SCENARIOS=a,b picks some; baseline always runs)
//   server     'baseline' (raw node:http) or 'gatehouse'
//   setup(ctx) resolves with the autocannon request options: { method, path, headers, body }
//              or { requests: [...] } for per-connection request chains (e.g. a refresh token
//              that rotates on every use: see autocannon's setupRequest/onResponse)
//   verifyBody optional cheap check of every response body; a failed check counts as an error
//   targets    optional { minRatio, maxP99Ms }; shown beside the figures, never fatal
//
// ctx = { baseline: { url }, gatehouse } where gatehouse offers url, basicAuth(id, secret),
// postForm(path, form, headers), call(method, path, {headers, body}), admin(method, path, json),
// createClient(metadata) and clientCredentials(clientId, secret, form) (see gatehouse-server.js).
//
// Later scenarios (introspection, checkAccess, password login, refresh) append entries here.

const FORM = 'application/x-www-form-urlencoded';

module.exports = [
  {
    name: 'baseline',
    server: 'baseline',
    async setup() {
      return { method: 'GET', path: '/' };
    },
    verifyBody: (body) => body === '{"ok":true}',
  },
  {
    name: 'client_credentials',
    server: 'gatehouse',
    targets: { minRatio: 0.08, maxP99Ms: 25 },
    async setup({ gatehouse }) {
      const client = await gatehouse.createClient({
        client_name: 'bench m2m',
        client_type: 'm2m',
        scope: 'bench:read',
      });
      // One real grant first: the secret's bcrypt check happens here, not in the measurement.
      const token = await gatehouse.clientCredentials(client.client_id, client.client_secret);
      if (token.token_type !== 'Bearer' || token.scope !== 'bench:read') {
        throw new Error(`unexpected warm-up token response ${JSON.stringify(token)}`);
      }
      return {
        method: 'POST',
        path: '/token',
        headers: {
          'content-type': FORM,
          authorization: gatehouse.basicAuth(client.client_id, client.client_secret),
        },
        body: 'grant_type=client_credentials',
      };
    },
    verifyBody: (body) => body.includes('"access_token":"ey'),
  },
];

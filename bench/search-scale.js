'use strict';
// The AuthZEN subject search (POST /access/v1/search/subject) on 100,000 users, without HTTP:
// the search service over an access state filled in memory, timed per search on the event loop.
// Usage: node bench/search-scale.js [dist directory, default dist] (npm run build first).
// Prints one line per case: the ms one search takes (mean of the runs after a warm-up).
const { randomUUID } = require('node:crypto');
const { resolve } = require('node:path');
const { performance } = require('node:perf_hooks');

const DIST = resolve(process.argv[2] ?? resolve(__dirname, '..', 'dist'));
const { AccessState } = require(`${DIST}/src/access/engine/access-state.js`);
const { AccessDecisionService } = require(`${DIST}/src/access/engine/access-decision.service.js`);
const { AuthzenSearch } = require(`${DIST}/src/access/surfaces/authzen-search.service.js`);
const { SystemClock } = require(`${DIST}/src/common/clock.js`);
const { RandomIds } = require(`${DIST}/src/common/ids.js`);

const USERS = 100_000;
const RUNS = 20;

/** 100,000 users; every `every`-th holds `readers` (invoices:read), the others `writers`. */
function stateWith(every) {
  const state = new AccessState();
  state.known = true;
  state.roles = new Map([
    ['readers', new Set(['invoices:read'])],
    ['writers', new Set(['invoices:write'])],
  ]);
  const started = performance.now();
  const rows = [];
  for (let i = 0; i < USERS; i++) {
    rows.push([
      randomUUID(),
      {
        active: true,
        tokensValidAfter: null,
        roles: [i % every === 0 ? 'readers' : 'writers'],
        attributes: Object.freeze({}),
        names: [`bench-user-${i}`],
      },
    ]);
  }
  state.replaceUsers(rows);
  return { state, loadMs: performance.now() - started };
}

function searchOf(state) {
  const revocations = { known: true, isRevoked: () => false };
  const engine = new AccessDecisionService(
    state,
    {},
    revocations,
    {},
    new SystemClock(),
    new RandomIds(),
  );
  return new AuthzenSearch(engine, state);
}

const request = (page) => ({
  subject: { type: 'user' },
  action: { name: 'read' },
  resource: { type: 'invoices', id: 'i-1' },
  page,
});

async function timed(search, page) {
  for (let i = 0; i < 3; i++) await search.subjects(request(page));
  const started = performance.now();
  let answer;
  for (let i = 0; i < RUNS; i++) answer = await search.subjects(request(page));
  return { ms: (performance.now() - started) / RUNS, answer };
}

async function main() {
  for (const every of [100, 1]) {
    const { state, loadMs } = stateWith(every);
    const search = searchOf(state);
    const first = await timed(search, { limit: 50 });
    const second = await timed(search, { limit: 50, token: first.answer.page.next_token });
    process.stdout.write(
      `${USERS} users, ${first.answer.page.total} holding the permission: ` +
        `first page ${first.ms.toFixed(2)} ms, second page ${second.ms.toFixed(2)} ms ` +
        `(load of the state ${loadMs.toFixed(0)} ms)\n`,
    );
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});

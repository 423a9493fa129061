#!/usr/bin/env node
// Sends every request of the AuthZEN Todo interop decision table to Gatehouse as the interop's
// policy enforcement point sends it: POST {GATEHOUSE_URL}/access/v1/evaluation with
// Content-Type: application/json, the Authorization header and the request as the body,
// verbatim. Prints PASS or FAIL per request and a summary; exits 1 when any fails. See README.md.
//
//   PEP_CLIENT_ID=… PEP_CLIENT_SECRET=… node run-decisions.mjs [decisions.json]
//   AUTHZEN_PDP_API_KEY="Bearer <token with iam:check>" node run-decisions.mjs
//   ADMIN_CLIENT_ID=… ADMIN_CLIENT_SECRET=… node run-decisions.mjs
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { clientCredentialsToken, gatehouseUrl, requiredEnv } from './gatehouse-api.mjs';

/**
 * The Authorization header: AUTHZEN_PDP_API_KEY as the interop runner takes it; else a token of
 * the PEP client setup.mjs made (PEP_CLIENT_ID, PEP_CLIENT_SECRET); else one of the admin
 * client (ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET), whose tokens carry iam:check as well.
 */
async function authorization(baseUrl) {
  if (process.env.AUTHZEN_PDP_API_KEY) return process.env.AUTHZEN_PDP_API_KEY;
  const client = process.env.PEP_CLIENT_ID ? 'PEP' : 'ADMIN';
  const token = await clientCredentialsToken(
    baseUrl,
    requiredEnv(`${client}_CLIENT_ID`),
    requiredEnv(`${client}_CLIENT_SECRET`),
    'iam:check',
  );
  return `Bearer ${token}`;
}

/** One request of the table: PASS when the answer is 200 with `decision` as expected. */
async function evaluate(baseUrl, key, { request, expected }) {
  const response = await fetch(`${baseUrl}/access/v1/evaluation`, {
    method: 'POST',
    headers: { Authorization: key, 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = text;
  }
  const passed = response.status === 200 && answer?.decision === expected;
  const why = passed
    ? ''
    : ` (expected ${expected}, got HTTP ${response.status} ${JSON.stringify(answer)})`;
  return { passed, line: `${passed ? 'PASS' : 'FAIL'} REQ: ${JSON.stringify(request)}${why}` };
}

async function main() {
  const baseUrl = gatehouseUrl();
  const file = process.argv[2]
    ? pathToFileURL(resolve(process.argv[2]))
    : new URL('decisions.json', import.meta.url);
  const table = JSON.parse(readFileSync(file, 'utf8')).evaluation ?? [];
  const key = await authorization(baseUrl);
  let failed = 0;
  for (const [index, decision] of table.entries()) {
    const { passed, line } = await evaluate(baseUrl, key, decision);
    if (!passed) failed += 1;
    console.log(`${String(index + 1).padStart(2)} ${line}`);
  }
  console.log(`${table.length - failed} of ${table.length} passed, ${failed} failed.`);
  process.exitCode = failed === 0 && table.length > 0 ? 0 : 1;
}

main().catch((error) => {
  // fetch names what went wrong with the connection (ECONNREFUSED…) in its cause.
  const cause = error.cause ? ` (${error.cause.code ?? error.cause.message})` : '';
  console.error(
    `run-decisions failed: ${error.message}${cause}; GATEHOUSE_URL is ${gatehouseUrl()}`,
  );
  process.exit(1);
});

#!/usr/bin/env node
// Runs the compiled test suite with Node's own test runner: unit specs (`src/**/*.spec.ts`) and
// e2e tests (`test/**/*.e2e-spec.ts`), compiled by `tsc -p tsconfig.test.json` into dist-test/.
// Node runs the real module graph (NestJS 12, jose and others are ESM-only packages that Node
// loads natively through require(esm)). Pass `unit`, `e2e` or file-name fragments to narrow.
// `system` runs only the tests that drive system programs (`test/system/**/*.system-spec.ts`:
// headless Chromium, nginx, Caddy), which the other modes never include.
const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', 'dist-test');
function find(dir, pattern) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path, pattern);
    return pattern.test(name) ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const system = filters.includes('system');
let files = find(root, system ? /\.system-spec\.js$/ : /\.(e2e-)?spec\.js$/).sort();
if (filters.includes('unit')) files = files.filter((f) => !f.endsWith('.e2e-spec.js'));
else if (filters.includes('e2e')) files = files.filter((f) => f.endsWith('.e2e-spec.js'));
const fragments = filters.filter((f) => !['unit', 'e2e', 'system'].includes(f));
if (fragments.length > 0) files = files.filter((f) => fragments.some((x) => relative(root, f).includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);

#!/usr/bin/env node
// Builds what `npm start` runs, only when its sources changed since the last build
// (docs/console.md, Building): the server (tsc into dist/) and the console (Vite into
// dist/console/). Each output keeps a hash of its inputs beside it; a build runs when the hash
// differs or the output is missing. `--always` builds both regardless (npm run build).
//
//   node scripts/build-if-changed.js [server|console ...] [--always]
'use strict';
const { createHash } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');

const TARGETS = {
  server: {
    inputs: ['src', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'],
    output: 'dist/src/main.js',
    stamp: 'dist/.source-hash',
    command: [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  },
  console: {
    inputs: ['console', 'package-lock.json'],
    output: 'dist/console/index.html',
    stamp: 'dist/console/.source-hash',
    command: [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'console/vite.config.mts'],
  },
};

function filesUnder(path) {
  const absolute = join(ROOT, path);
  if (!existsSync(absolute)) return [];
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute, { withFileTypes: true })
    .filter((entry) => entry.name !== 'node_modules' && !entry.name.startsWith('.'))
    .flatMap((entry) => filesUnder(join(path, entry.name)));
}

function sourceHash(inputs) {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(filesUnder).sort()) {
    hash.update(relative(ROOT, join(ROOT, file)));
    hash.update('\0');
    hash.update(readFileSync(join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function build(name, always) {
  const target = TARGETS[name];
  const hash = sourceHash(target.inputs);
  const stamp = join(ROOT, target.stamp);
  const built =
    existsSync(join(ROOT, target.output)) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === hash;
  if (built && !always) return;
  const started = Date.now();
  // A forced build (npm run build) reports what it wrote, sizes included; `npm start` only warns.
  const quiet = always ? [] : name === 'console' ? ['--logLevel', 'warn'] : [];
  execFileSync(process.execPath, [...target.command, ...quiet], { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(stamp, hash);
  process.stderr.write(`built the ${name} in ${Date.now() - started} ms\n`);
}

const args = process.argv.slice(2);
const always = args.includes('--always');
const names = args.filter((arg) => !arg.startsWith('--'));
for (const name of names.length ? names : Object.keys(TARGETS)) {
  if (!TARGETS[name]) {
    process.stderr.write(`unknown build target ${name}: use ${Object.keys(TARGETS).join(', ')}\n`);
    process.exit(2);
  }
  build(name, always);
}

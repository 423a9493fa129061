'use strict';
// Summarizes a V8 .cpuprofile (from BENCH_PROFILE=1 or node --cpu-prof): where the time goes,
// by package or source area, by function (self time) and by function including callees.
// Usage: node bench/profile-summary.js bench/results/profiles/client_credentials.cpuprofile [top]
const { readFileSync } = require('node:fs');
const { relative, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');

function shortUrl(url) {
  if (!url) return '';
  const path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

/** The package or part of the system a frame belongs to. */
function area(frame) {
  const url = shortUrl(frame.url);
  if (!url) {
    const name = frame.functionName;
    if (name === '(garbage collector)' || name === '(idle)' || name === '(program)') return name;
    return '(native/V8)';
  }
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return 'node core';
  if (url.startsWith('dist/src/'))
    return `gatehouse ${url.slice('dist/src/'.length).split('/')[0]}`;
  return url;
}

function functionKey(frame) {
  const url = shortUrl(frame.url);
  const name = frame.functionName || '(anonymous)';
  return url ? `${name}  ${url}:${frame.lineNumber + 1}` : name;
}

function summarize(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByFunction = new Map();
  const totalByFunction = new Map();
  const selfByArea = new Map();
  const add = (map, key, value) => map.set(key, (map.get(key) ?? 0) + value);
  let total = 0;

  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000; // µs → ms
    total += delta;
    const leaf = byId.get(id);
    add(selfByFunction, functionKey(leaf.callFrame), delta);
    add(selfByArea, area(leaf.callFrame), delta);
    const seen = new Set();
    for (let node = leaf; node; node = byId.get(parent.get(node.id))) {
      const key = functionKey(node.callFrame);
      if (key === '(root)' || seen.has(key)) continue;
      seen.add(key);
      add(totalByFunction, key, delta);
    }
  });
  const sorted = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: total,
    byArea: sorted(selfByArea),
    bySelf: sorted(selfByFunction),
    byTotal: sorted(totalByFunction),
  };
}

function format(summary, top = 25) {
  const pct = (ms) => `${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%`;
  const block = (title, rows) =>
    `${title}\n${rows
      .slice(0, top)
      .map(([key, ms]) => `  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${key}`)
      .join('\n')}\n`;
  return [
    `CPU profile: ${summary.totalMs.toFixed(0)} ms sampled`,
    block('Self time by package/area:', summary.byArea),
    block('Self time by function:', summary.bySelf),
    block('Total time (including callees) by function:', summary.byTotal),
  ].join('\n');
}

function summarizeFile(file, top) {
  return format(summarize(JSON.parse(readFileSync(file, 'utf8'))), top);
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.js FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  process.stdout.write(summarizeFile(file, top ? Number(top) : undefined));
}

module.exports = { summarize, format, summarizeFile };

const { spawn } = require('node:child_process');
const autocannon = require('autocannon');
const http = require('node:http');
const PORT = 3999;
(async () => {
  const dir = require('fs').mkdtempSync('/tmp/gwb/d');
  const srv = spawn(process.execPath, ['dist/src/main.js'], { env: { ...process.env, PORT: String(PORT), DATA_DIR: dir, ADMIN_CLIENT_ID: 'bench-admin', ADMIN_CLIENT_SECRET: 'bench-admin-secret-0123456789abcdefghijkl', LOG_LEVEL: 'warn', RATE_LIMIT_PER_CLIENT: '100000000', RATE_LIMIT_PER_IP: '100000000', DECISION_LOG_SAMPLE_RATE: '0' }, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${PORT}`;
  for (let i = 0; i < 100; i++) { try { if ((await fetch(base + '/health/ready')).ok) break; } catch {} await new Promise(r => setTimeout(r, 300)); }
  const basic = 'Basic ' + Buffer.from('bench-admin:bench-admin-secret-0123456789abcdefghijkl').toString('base64');
  const admin = (await (await fetch(base + '/token', { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json()).access_token;
  const j = (m, p, b) => fetch(base + p, { method: m, headers: { authorization: 'Bearer ' + admin, 'content-type': 'application/json' }, body: JSON.stringify(b) }).then(r => r.json());
  await j('POST', '/admin/roles', { name: 'reader', permissions: ['invoices:read'] });
  const c = await j('POST', '/admin/clients', { client_name: 'svc', client_type: 'm2m', scope: 'invoices:read' });
  await fetch(base + `/admin/clients/${c.client_id}/roles`, { method: 'PUT', headers: { authorization: 'Bearer ' + admin, 'content-type': 'application/json' }, body: JSON.stringify({ roles: ['reader'] }) });
  await j('POST', '/admin/access-rules', { methods: ['GET'], path: '/invoices/**', permission: 'invoices:read' });
  const tok = (await (await fetch(base + '/token', { method: 'POST', headers: { authorization: 'Basic ' + Buffer.from(c.client_id + ':' + c.client_secret).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json()).access_token;
  const headers = { authorization: 'Bearer ' + tok, 'x-original-method': 'GET', 'x-original-uri': '/invoices/42' };
  console.log((await fetch(base + '/access/gateway', { headers })).status);
  const raw = http.createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{"ok":true}'); }).listen(4001);
  const run = (url, opts = {}) => new Promise(res => autocannon({ url, connections: 50, duration: 6, ...opts }, (e, r) => res(r)));
  let r = await run('http://127.0.0.1:4001/');
  console.log('baseline', r.requests.average, r.latency.p50, r.latency.p99);
  r = await run(base + '/access/gateway', { headers });
  console.log('gateway', r.requests.average, r.latency.p50, r.latency.p99, r.non2xx);
  r = await run(base + '/access/check', { method: 'POST', headers: { authorization: 'Bearer ' + tok, 'content-type': 'application/json' }, body: JSON.stringify({ resource: 'invoices', action: 'read' }) });
  console.log('check', r.requests.average, r.latency.p50, r.latency.p99, r.non2xx);
  srv.kill(); raw.close(); process.exit(0);
})();

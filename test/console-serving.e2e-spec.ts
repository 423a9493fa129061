import { expect } from 'expect';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConsoleFiles, packageRoot } from '../src/console/console-files';
import { InjectResult, startTestApp, TestApp } from './support/test-app';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const INDEX =
  '<!doctype html><title>Gatehouse console</title><script type="module" src="/console/assets/index-3f9a1c.js"></script>';
const SCRIPT = 'console.log("console")';
const SECRET = 'SECRET-OUTSIDE-THE-BUILD';

function expectConsoleHeaders(response: InjectResult): void {
  expect(response.headers['content-security-policy']).toBe(CSP);
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['x-frame-options']).toBe('DENY');
}

describe('serving the console build', () => {
  let sut: TestApp;
  let base: string;
  let build: string;

  before(async () => {
    sut = await startTestApp();
    base = mkdtempSync(join(tmpdir(), 'gatehouse-console-build-'));
    build = join(base, 'dist', 'console');
    mkdirSync(join(build, 'assets'), { recursive: true });
    writeFileSync(join(build, 'index.html'), INDEX);
    writeFileSync(join(build, 'assets', 'index-3f9a1c.js'), SCRIPT);
    writeFileSync(join(build, 'assets', 'index-77aa00.css'), 'body{margin:0}');
    writeFileSync(join(build, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(base, 'secret.txt'), SECRET);
    writeFileSync(join(base, 'dist', 'secret.txt'), SECRET);
    symlinkSync(join(base, 'secret.txt'), join(build, 'linked.txt'));
    symlinkSync(join(base, 'dist'), join(build, 'assets', 'outside'));
    sut.app.get(ConsoleFiles).useDirectory(build);
  });

  after(async () => {
    await sut.close();
    rmSync(base, { recursive: true, force: true });
  });

  const get = (url: string) => sut.request({ method: 'GET', url });

  it('serves index.html at /console and /console/ with no-store and the console headers', async () => {
    for (const url of ['/console', '/console/', '/console/index.html']) {
      const response = await get(url);
      expect({ url, status: response.statusCode }).toEqual({ url, status: 200 });
      expect(response.body).toBe(INDEX);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
      expectConsoleHeaders(response);
    }
  });

  it("answers index.html for the console's own routes (the SPA fallback)", async () => {
    for (const url of [
      '/console/clients',
      '/console/clients/new',
      '/console/users/5f0c/roles?tab=1',
      '/console/callback?code=abc&state=x',
      '/console/setup',
      '/console/signed-out',
    ]) {
      const response = await get(url);
      expect({ url, status: response.statusCode }).toEqual({ url, status: 200 });
      expect(response.body).toBe(INDEX);
      expect(response.headers['cache-control']).toBe('no-store');
      expectConsoleHeaders(response);
    }
  });

  it('serves hashed assets as immutable for a year, with their content type', async () => {
    const script = await get('/console/assets/index-3f9a1c.js');
    expect(script.statusCode).toBe(200);
    expect(script.body).toBe(SCRIPT);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expectConsoleHeaders(script);

    const style = await get('/console/assets/index-77aa00.css');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('serves other files of the build revalidated, and a missing asset is a 404, never the page', async () => {
    const icon = await get('/console/favicon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');

    const missing = await get('/console/assets/index-000000.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain('Gatehouse console');
    expect(missing.headers['cache-control']).toBe('no-store');
    expectConsoleHeaders(missing);
  });

  it('GET /console/config.json tells the console how to sign in, not cached', async () => {
    const response = await get('/console/config.json');

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      issuer: 'http://localhost:3000',
      client_id: 'gatehouse-console',
      scope: 'openid profile offline_access iam:admin iam:check',
    });
    expect(response.headers['cache-control']).toBe('no-store');
    expectConsoleHeaders(response);
  });

  it('never reads outside the build: .., encoded .., backslashes, NUL, links', async () => {
    const attempts = [
      '/console/../secret.txt',
      '/console/../../secret.txt',
      '/console/..%2fsecret.txt',
      '/console/..%2f..%2fsecret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/console/%2E%2E%2Fsecret.txt',
      '/console/assets/..%2f..%2fsecret.txt',
      '/console/assets/%2e%2e/%2e%2e/secret.txt',
      '/console/%252e%252e%252fsecret.txt',
      '/console/..%5csecret.txt',
      '/console/..\\secret.txt',
      '/console/%00',
      '/console/index.html%00.js',
      '/console/assets/%00../../secret.txt',
      '/console/linked.txt',
      '/console/assets/outside/secret.txt',
      `/console/${'a/'.repeat(2000)}`,
      '/console/%ff%fe',
      `/console/${join(base, 'secret.txt')}`,
    ];
    for (const url of attempts) {
      const response = await get(url);
      expect({ url, leaked: response.body.includes(SECRET) }).toEqual({ url, leaked: false });
      expect({ url, ok: [200, 400, 404].includes(response.statusCode) }).toEqual({ url, ok: true });
      if (response.statusCode === 200) expect(response.body).toBe(INDEX);
    }
  });
});

describe('the console not built', () => {
  let sut: TestApp;
  let empty: string;

  before(async () => {
    sut = await startTestApp();
    empty = mkdtempSync(join(tmpdir(), 'gatehouse-console-none-'));
    sut.app.get(ConsoleFiles).useDirectory(join(empty, 'dist', 'console'));
  });

  after(async () => {
    await sut.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('answers 503 with a page that says to run npm run build, with the console headers', async () => {
    for (const url of ['/console', '/console/clients']) {
      const response = await sut.request({ method: 'GET', url });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 503 });
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('npm run build');
      expect(response.headers['cache-control']).toBe('no-store');
      expectConsoleHeaders(response);
    }
  });

  it('still answers config.json', async () => {
    const response = await sut.request({ method: 'GET', url: '/console/config.json' });

    expect(response.statusCode).toBe(200);
  });
});

describe('where the console build is looked for', () => {
  it('is dist/console under the package root, found from the compiled code', () => {
    const root = packageRoot(__dirname);

    expect(existsSync(join(root, 'package.json'))).toBe(true);
    expect(new ConsoleFiles().root).toBe(join(root, 'dist', 'console'));
    // From dist-test/src/console (tests) as from dist/src/console (npm start).
    expect(packageRoot(join(root, 'dist', 'src', 'console'))).toBe(root);
    expect(packageRoot(resolve(root, 'dist-test', 'src', 'console'))).toBe(root);
  });
});

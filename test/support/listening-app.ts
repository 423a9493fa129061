import { Clock } from '../../src/common/clock';
import { freePort } from './free-port';
import { startTestApp, TestApp } from './test-app';

/**
 * The whole application on a real socket at 127.0.0.1, its ISSUER its own address: what a client
 * library that discovers the issuer and checks it (RFC 8414 §3.3) or a verifier that fetches
 * /jwks needs. `env` overrides settings and `options.clock` the clock, as for startTestApp.
 */
export async function startListeningApp(
  env: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<{ sut: TestApp; issuer: string }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const sut = await startTestApp({ ISSUER: issuer, ...env }, options);
  await sut.app.listen(port, '127.0.0.1');
  return { sut, issuer };
}

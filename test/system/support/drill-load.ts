import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import {
  check,
  clientToken,
  createRole,
  createRule,
  createService,
  Credentials,
  gateway,
  unique,
} from '../../support/access';
import { AppSurface, basicAuth, InjectResult } from '../../support/test-app';

/** One request the load made: where, when, and how it was answered (status 0: no answer). */
export interface Outcome {
  kind: 'token' | 'gateway' | 'check' | 'write' | 'revoke';
  target: string;
  started: number;
  ended: number;
  status: number;
  /** For decisions: the token asked about, and whether the answer let the request through. */
  token?: string;
  allowed?: boolean;
  /** A `Connection: close` header on the answer. */
  closes?: boolean;
  /** The Retry-After header on the answer. */
  retryAfter?: string;
  error?: string;
}

/** A process the load sends to, by name; `live` false takes it out of the rotation. */
export interface LoadTarget {
  name: string;
  surface: AppSurface;
  live: boolean;
}

/** What the load needs on the server: a rule, a role, a client that holds it and one that does not. */
export interface LoadFixture {
  holder: Credentials;
  outsider: Credentials;
  outsiderToken: string;
}

/** docs/access.md: a rule for /invoices/** that needs invoices:read, and the clients to ask. */
export async function loadFixture(admin: AppSurface): Promise<LoadFixture> {
  const reader = await createRole(admin, ['invoices:read']);
  await createRule(admin, { path: '/invoices/**', permission: 'invoices:read' });
  const holder = await createService(admin, 'invoices:read', [reader]);
  const outsider = await createService(admin, 'invoices:read');
  return { holder, outsider, outsiderToken: await clientToken(admin, outsider) };
}

/** Whether an answer to a decision let the request through. */
function allows(response: InjectResult): boolean {
  if (response.statusCode !== 200) return false;
  if (response.body === '') return true; // the gateway's allow
  return (JSON.parse(response.body) as { allowed?: boolean }).allowed === true;
}

/** A token that is not one, and one whose signature is wrong: never to be allowed. */
const FORGED = [
  'x.y.z',
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"sub":"x"}').toString('base64url')}.c2ln`,
];

/**
 * A small mixed load for the failure drills: client_credentials tokens, gateway and
 * /access/check decisions on fresh, revoked, unauthorised and forged tokens, admin writes (new
 * roles) and revocations, from `concurrency` loops over the live targets in turn. A request that
 * gets no answer is tried on the next live target (a client retrying elsewhere), up to
 * `retries` times. Every outcome is kept for the assertions below.
 */
export class DrillLoad {
  readonly outcomes: Outcome[] = [];
  /** Revoked tokens: when the revocation was answered 200, and through which target. */
  readonly revoked = new Map<string, { at: number; target: string }>();
  /** Names of roles whose creation was answered 201. */
  readonly committed: string[] = [];
  private readonly fresh: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private turn = 0;

  constructor(
    private readonly targets: LoadTarget[],
    private readonly fixture: LoadFixture,
    private readonly options: { concurrency?: number; retries?: number } = {},
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency ?? 6 }, (_, i) => this.loop(i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(index: number): Promise<void> {
    let step = index;
    while (this.running) {
      step++;
      if (step % 4 === 0) await this.issueToken();
      else if (step % 29 === 0) await this.write();
      else if (step % 37 === 0) await this.revokeOne();
      else await this.decide(step % 2 === 0 ? 'gateway' : 'check', this.pickToken(step));
    }
  }

  private pickToken(step: number): string {
    const revoked = [...this.revoked.keys()];
    if (step % 11 === 0 && revoked.length > 0) return revoked[step % revoked.length];
    if (step % 13 === 0) return this.fixture.outsiderToken;
    if (step % 17 === 0) return FORGED[step % FORGED.length];
    return this.fresh[step % Math.max(1, this.fresh.length)] ?? FORGED[0];
  }

  private async issueToken(): Promise<void> {
    const { holder } = this.fixture;
    await this.send('token', undefined, (surface) =>
      surface.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(holder.client_id, holder.client_secret) },
      ),
    ).then((response) => {
      if (response?.statusCode !== 200) return;
      this.fresh.push(response.json<{ access_token: string }>().access_token);
      if (this.fresh.length > 20) this.fresh.shift();
    });
  }

  private async decide(kind: 'gateway' | 'check', token: string): Promise<void> {
    await this.send(kind, token, (surface) =>
      kind === 'gateway'
        ? gateway(surface, { token, method: 'GET', uri: '/invoices/1' })
        : check(surface, token, 'invoices', 'read'),
    );
  }

  private async write(): Promise<void> {
    const name = unique('drill-role');
    const response = await this.send('write', undefined, (surface) =>
      surface.admin('POST', '/admin/roles', { name, permissions: ['invoices:read'] }),
    );
    if (response?.statusCode === 201) this.committed.push(name);
  }

  private async revokeOne(): Promise<void> {
    const token = this.fresh.shift();
    if (token === undefined) return;
    const { holder } = this.fixture;
    let through = '';
    const response = await this.send('revoke', undefined, (surface, name) => {
      through = name;
      return surface.postForm(
        '/revoke',
        { token },
        { authorization: basicAuth(holder.client_id, holder.client_secret) },
      );
    });
    if (response?.statusCode === 200) this.revoked.set(token, { at: Date.now(), target: through });
  }

  /** Sends on the next live target, and on the next after that when there is no answer. */
  private async send(
    kind: Outcome['kind'],
    token: string | undefined,
    call: (surface: AppSurface, name: string) => Promise<InjectResult>,
  ): Promise<InjectResult | undefined> {
    for (let attempt = 0; attempt <= (this.options.retries ?? 2); attempt++) {
      const live = this.targets.filter((target) => target.live);
      if (live.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const target = live[this.turn++ % live.length];
      const started = Date.now();
      try {
        const response = await call(target.surface, target.name);
        this.outcomes.push({
          kind,
          target: target.name,
          started,
          ended: Date.now(),
          status: response.statusCode,
          token,
          allowed: kind === 'gateway' || kind === 'check' ? allows(response) : undefined,
          closes: response.headers.connection === 'close',
          retryAfter: response.headers['retry-after'] as string | undefined,
        });
        if (response.statusCode === 503) await new Promise((resolve) => setTimeout(resolve, 20));
        return response;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.outcomes.push({
          kind,
          target: target.name,
          started,
          ended: Date.now(),
          status: 0,
          token,
          error: message,
        });
      }
    }
    return undefined;
  }

  /** Decisions answered (not 503, not lost) since `from`. */
  decisions(from = 0): Outcome[] {
    return this.outcomes.filter(
      (outcome) =>
        (outcome.kind === 'gateway' || outcome.kind === 'check') && outcome.started >= from,
    );
  }

  /** Answers with a 5xx status other than 503. */
  serverErrors(): Outcome[] {
    return this.outcomes.filter((outcome) => outcome.status >= 500 && outcome.status !== 503);
  }

  /**
   * Allows that should not have been: a token never valid (forged, or of a client without the
   * permission), or one revoked before the decision was asked, through the same target, or
   * through another more than `propagationMs` earlier (docs/operations.md: a change reaches
   * every process within a second).
   */
  wrongAllows(propagationMs = 2000): Outcome[] {
    return this.decisions().filter((outcome) => {
      if (!outcome.allowed) return false;
      if (FORGED.includes(outcome.token!) || outcome.token === this.fixture.outsiderToken)
        return true;
      const revocation = this.revoked.get(outcome.token!);
      if (revocation === undefined) return false;
      const margin = revocation.target === outcome.target ? 0 : propagationMs;
      return outcome.started > revocation.at + margin;
    });
  }

  /** The common assertions of every drill: no 5xx but 503, no wrong allow, no lost write. */
  async expectSound(survivor: AppSurface, propagationMs?: number): Promise<void> {
    expect(this.serverErrors()).toEqual([]);
    expect(this.wrongAllows(propagationMs)).toEqual([]);
    const allowed = this.decisions().filter((outcome) => outcome.allowed).length;
    expect(allowed).toBeGreaterThan(10);
    expect(this.committed.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const name of this.committed) {
      const response = await survivor.admin('GET', `/admin/roles/${name}`);
      if (response.statusCode !== 200) missing.push(`${name}: ${response.statusCode}`);
    }
    expect(missing).toEqual([]);
  }
}

/** A random KEY_ENCRYPTION_KEY for the processes of one drill. */
export const keyEncryptionKey = (): string => randomBytes(32).toString('base64');

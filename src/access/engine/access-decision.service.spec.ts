import { NO_ATTRIBUTES } from '../../common/attributes';
import { expect } from 'expect';
import { errors, JWTPayload } from 'jose';
import { beforeEach, describe, it } from 'node:test';
import { SystemClock } from '../../common/clock';
import { RandomIds } from '../../common/ids';
import { AppConfig } from '../../config/app-config';
import { JwtService, VerifyOptions } from '../../crypto/jwt.service';
import { RevocationList } from '../../tokens/revocation-list.service';
import { compile } from '../conditions/condition';
import { pathParameters, RouteMatcher } from '../rules/route-matcher';
import { AccessDecisionService } from './access-decision.service';
import { AccessState, CompiledRule, SubjectState } from './access-state';
import { AskedFacts, Decision, DecisionUnavailableError } from './decision';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOW = Math.floor(Date.now() / 1000);

/** Verifies the tokens it was told about; anything else has a bad signature. */
class FakeJwt {
  readonly tokens = new Map<string, JWTPayload | Error>();
  readonly calls: Array<{ token: string; options: VerifyOptions }> = [];

  async verify(token: string, options: VerifyOptions): Promise<JWTPayload> {
    this.calls.push({ token, options });
    const known = this.tokens.get(token);
    if (known === undefined) throw new errors.JWSSignatureVerificationFailed();
    if (known instanceof Error) throw known;
    return known;
  }
}

const active = (roles: string[] = [], tokensValidAfter: number | null = null): SubjectState => ({
  active: true,
  tokensValidAfter,
  roles,
  attributes: NO_ATTRIBUTES,
});

const rule = (overrides: Partial<CompiledRule> & Pick<CompiledRule, 'id' | 'path'>) => ({
  methods: [],
  permission: null,
  scopes: [],
  audience: null,
  anonymous: false,
  ...overrides,
});

describe(AccessDecisionService.name, () => {
  let state: AccessState;
  let jwt: FakeJwt;
  let revoked: Set<string>;
  let revocations: { known: boolean; isRevoked: (jti: string) => boolean };
  let sut: AccessDecisionService;

  /** A token the fake verifier accepts, issued to client `svc` for itself unless told otherwise. */
  const token = (name: string, claims: JWTPayload = {}): string => {
    jwt.tokens.set(name, {
      iss: 'https://issuer.example',
      sub: 'svc',
      client_id: 'svc',
      aud: 'https://issuer.example',
      scope: 'invoices:read other',
      iat: NOW - 10,
      exp: NOW + 300,
      jti: `jti-${name}`,
      ...claims,
    });
    return name;
  };
  const denied = (reason: string, extra: Partial<Decision> = {}): Decision => ({
    allowed: false,
    reason: reason as Decision['reason'],
    decisionId: expect.stringMatching(UUID) as unknown as string,
    ...extra,
  });
  const svc = { sub: 'svc', clientId: 'svc', scope: 'invoices:read other' };

  beforeEach(() => {
    state = new AccessState();
    state.known = true;
    state.roles = new Map([
      ['reader', new Set(['invoices:read'])],
      ['writer', new Set(['invoices:write'])],
    ]);
    state.clients.set('svc', active(['reader']));
    state.clients.set('web', active());
    state.users.set('alice', active(['reader', 'writer']));
    state.matcher = new RouteMatcher<CompiledRule>([
      rule({ id: 'invoices', path: '/invoices/**', permission: 'invoices:read' }),
      rule({ id: 'partner', path: '/partner/**', permission: 'invoices:read', audience: 'api' }),
      rule({ id: 'billing', path: '/billing/**', scopes: ['billing'] }),
      rule({ id: 'whoami', path: '/whoami', methods: ['GET'] }),
      rule({ id: 'public', path: '/public/**', anonymous: true }),
    ]);
    jwt = new FakeJwt();
    revoked = new Set();
    revocations = { known: true, isRevoked: (jti: string) => revoked.has(jti) };
    sut = new AccessDecisionService(
      state,
      jwt as unknown as JwtService,
      revocations as unknown as RevocationList,
      { keys: { accessTokenAlgorithm: 'ES256' } } as AppConfig,
      new SystemClock(),
      new RandomIds(),
    );
  });

  /** As the hot route asks: at once when the engine can, else the promise. */
  const permission = (t: string | undefined, p = 'invoices:read') => {
    const asked = { token: t, permission: p };
    return sut.decidePermissionNow(asked) ?? sut.decidePermission(asked);
  };

  describe('decidePermission', () => {
    it('allows a good token whose subject holds the permission, naming who', async () => {
      expect(await permission(token('t'))).toEqual({
        allowed: true,
        reason: 'allowed',
        decisionId: expect.stringMatching(UUID),
        permission: 'invoices:read',
        ...svc,
      });
    });

    it('asks the verifier for an RFC 9068 access token of the configured algorithm', async () => {
      await permission(token('t'));
      expect(jwt.calls[0].options).toEqual({ typ: 'at+jwt', algorithms: ['ES256'] });
    });

    it('gives every decision its own id', async () => {
      const t = token('t');
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) ids.add((await permission(t)).decisionId);
      expect(ids.size).toBe(5);
    });

    it('denies token_missing without a token', async () => {
      expect(await permission(undefined)).toEqual(
        denied('token_missing', { permission: 'invoices:read' }),
      );
    });

    it('denies token_invalid for a token that does not verify', async () => {
      expect(await permission('forged')).toEqual(
        denied('token_invalid', { permission: 'invoices:read' }),
      );
    });

    it('denies token_invalid for a verified token without sub, client_id or jti', async () => {
      for (const missing of ['sub', 'client_id', 'jti']) {
        const decision = await permission(token(`no-${missing}`, { [missing]: undefined }));
        expect(decision.reason).toBe('token_invalid');
        expect(decision.allowed).toBe(false);
      }
    });

    it('denies token_expired when the verifier says exp has passed', async () => {
      jwt.tokens.set('old', new errors.JWTExpired('"exp" claim timestamp check failed', {}));
      expect(await permission('old')).toEqual(
        denied('token_expired', { permission: 'invoices:read' }),
      );
    });

    it('denies token_revoked for a revoked jti', async () => {
      const t = token('t');
      revoked.add('jti-t');
      expect(await permission(t)).toEqual(
        denied('token_revoked', { permission: 'invoices:read', ...svc }),
      );
    });

    it('denies client_inactive for a disabled or unknown client', async () => {
      state.clients.set('svc', { ...active(['reader']), active: false });
      expect(await permission(token('t'))).toEqual(
        denied('client_inactive', { permission: 'invoices:read', ...svc }),
      );
      expect((await permission(token('ghost', { sub: 'ghost', client_id: 'ghost' }))).reason).toBe(
        'client_inactive',
      );
    });

    it('judges a user token by the user: subject_inactive when disabled or unknown', async () => {
      const t = token('u', { sub: 'alice', client_id: 'web' });
      expect((await permission(t)).allowed).toBe(true);
      state.users.set('alice', { ...active(['reader']), active: false });
      expect(await permission(t)).toEqual(
        denied('subject_inactive', {
          permission: 'invoices:read',
          sub: 'alice',
          clientId: 'web',
          scope: 'invoices:read other',
        }),
      );
      state.users.delete('alice');
      expect((await permission(t)).reason).toBe('subject_inactive');
    });

    it('denies token_revoked for a token issued before tokens_valid_after, the same second included', async () => {
      state.clients.set('svc', active(['reader'], (NOW - 10) * 1000));
      expect((await permission(token('same-second'))).reason).toBe('token_revoked');
      expect((await permission(token('earlier', { iat: NOW - 20 }))).reason).toBe('token_revoked');
      expect((await permission(token('later', { iat: NOW - 9 }))).reason).toBe('allowed');

      state.users.set('alice', active(['reader'], (NOW - 10) * 1000));
      const user = token('user', { sub: 'alice', client_id: 'web' });
      expect((await permission(user)).reason).toBe('token_revoked');
    });

    it('denies insufficient_scope when the scope lacks the permission, held or not', async () => {
      expect(await permission(token('t', { scope: 'other' }))).toEqual(
        denied('insufficient_scope', { permission: 'invoices:read', ...svc, scope: 'other' }),
      );
      expect((await permission(token('none', { scope: undefined }))).reason).toBe(
        'insufficient_scope',
      );
    });

    it('denies permission_denied when the scope has it but the subject holds it no more', async () => {
      const t = token('t');
      state.clients.set('svc', active([]));
      state.forgetPermissions({ type: 'client', id: 'svc' });
      expect(await permission(t)).toEqual(
        denied('permission_denied', { permission: 'invoices:read', ...svc }),
      );
    });

    it('decides at once, without a promise, for a token it has verified', async () => {
      const t = token('t');
      const first = permission(t);
      expect(first).toBeInstanceOf(Promise); // first sight: verified asynchronously
      expect((await first).allowed).toBe(true);
      const answer = permission(t);
      expect(answer).not.toBeInstanceOf(Promise);
      expect(answer).toEqual({
        allowed: true,
        reason: 'allowed',
        decisionId: expect.stringMatching(UUID),
        permission: 'invoices:read',
        ...svc,
      });
    });

    it('verifies a repeated token once, from the cache', async () => {
      const t = token('t');
      for (let i = 0; i < 3; i++) expect((await permission(t)).allowed).toBe(true);
      expect(jwt.calls).toHaveLength(1);
    });

    it('never uses a cached token past its exp: it goes back to the verifier', async () => {
      const t = token('short', { exp: NOW - 1 });
      await permission(t);
      jwt.tokens.set('short', new errors.JWTExpired('expired', {}));
      expect((await permission(t)).reason).toBe('token_expired');
      expect(jwt.calls).toHaveLength(2);
    });

    it('checks revocation and status on every decision, cached token or not', async () => {
      const t = token('t');
      expect((await permission(t)).allowed).toBe(true);
      revoked.add('jti-t');
      expect((await permission(t)).reason).toBe('token_revoked');
    });
  });

  describe('decideGateway', () => {
    const gateway = (t: string | undefined, method: string, path: string) =>
      sut.decideGateway({ token: t, method, path });

    it('denies no_matching_rule before looking at the token', async () => {
      expect(await gateway(undefined, 'GET', '/elsewhere')).toEqual(denied('no_matching_rule'));
      expect(await gateway(token('t'), 'POST', '/whoami')).toEqual(denied('no_matching_rule'));
      expect(jwt.calls).toHaveLength(0);
    });

    it('allows an anonymous rule without a token, naming nobody', async () => {
      expect(await gateway(undefined, 'GET', '/public/logo.png')).toEqual({
        allowed: true,
        reason: 'anonymous',
        decisionId: expect.stringMatching(UUID),
        ruleId: 'public',
      });
    });

    it('applies the rule’s permission and names the rule', async () => {
      expect(await gateway(token('t'), 'GET', '/invoices/1')).toEqual({
        allowed: true,
        reason: 'allowed',
        decisionId: expect.stringMatching(UUID),
        permission: 'invoices:read',
        ruleId: 'invoices',
        ...svc,
      });
      expect(await gateway(undefined, 'GET', '/invoices/1')).toEqual(
        denied('token_missing', { permission: 'invoices:read', ruleId: 'invoices' }),
      );
    });

    it('denies token_invalid when the token lacks the audience the rule names', async () => {
      expect((await gateway(token('t'), 'GET', '/partner/x')).reason).toBe('token_invalid');
      const addressed = token('a', { aud: ['https://issuer.example', 'api'] });
      expect((await gateway(addressed, 'GET', '/partner/x')).reason).toBe('allowed');
    });

    it('denies insufficient_scope when the token lacks a scope the rule requires', async () => {
      expect((await gateway(token('t'), 'GET', '/billing/run')).reason).toBe('insufficient_scope');
      const billing = token('b', { scope: 'billing' });
      expect((await gateway(billing, 'GET', '/billing/run')).reason).toBe('allowed');
    });

    it('admits any good token on a rule without a permission', async () => {
      expect((await gateway(token('t', { scope: '' }), 'GET', '/whoami')).allowed).toBe(true);
    });

    describe('a rule with a condition', () => {
      const conditioned = (source: string, path: string): CompiledRule => {
        const compiled = compile(source);
        if (!compiled.ok) throw new Error(compiled.problem.message);
        return rule({
          id: 'owned',
          path,
          permission: 'invoices:read',
          condition: { source, compiled: compiled.condition, params: pathParameters(path) },
        });
      };

      it('allows when the condition is true, judged in the same tick once the token is known', async () => {
        state.matcher = new RouteMatcher<CompiledRule>([
          conditioned(
            'request.params.id == subject.id && token.claims.tenant == request.query.t && ' +
              '"reader" in subject.roles && request.path == "/owned/svc"',
            '/owned/{id}',
          ),
        ]);
        const t = token('t', { tenant: 'acme' });
        expect(await gateway(t, 'GET', '/owned/svc?t=acme')).toEqual({
          allowed: true,
          reason: 'allowed',
          decisionId: expect.stringMatching(UUID),
          permission: 'invoices:read',
          ruleId: 'owned',
          ...svc,
        });
        expect(
          sut.decideGatewayNow({ token: t, method: 'GET', path: '/owned/svc?t=acme' }),
        ).toMatchObject({
          allowed: true,
        });
      });

      it('denies condition_failed with the problem when false or failing', async () => {
        state.matcher = new RouteMatcher<CompiledRule>([
          conditioned(
            'request.params.id == subject.id && token.claims.tenant == "acme"',
            '/owned/{id}',
          ),
        ]);
        const context = { permission: 'invoices:read', ruleId: 'owned', ...svc };
        expect(await gateway(token('t', { tenant: 'acme' }), 'GET', '/owned/other')).toEqual(
          denied('condition_failed', { ...context, conditionProblem: 'false' }),
        );
        expect(await gateway(token('u'), 'GET', '/owned/svc')).toEqual(
          denied('condition_failed', { ...context, conditionProblem: 'No such key: tenant' }),
        );
      });

      it('judges the token and the permission first: their reasons come before the condition', async () => {
        state.matcher = new RouteMatcher<CompiledRule>([conditioned('false', '/owned/{id}')]);
        expect((await gateway(undefined, 'GET', '/owned/svc')).reason).toBe('token_missing');
        expect((await gateway(token('t', { scope: 'other' }), 'GET', '/owned/svc')).reason).toBe(
          'insufficient_scope',
        );
      });

      it('denies every request when the condition did not compile at load (fail closed)', async () => {
        state.matcher = new RouteMatcher<CompiledRule>([
          rule({
            id: 'broken',
            path: '/broken',
            condition: {
              source: 'nope',
              problem: 'does not compile: Unknown variable: nope',
              params: [],
            },
          }),
        ]);
        expect(await gateway(token('t'), 'GET', '/broken')).toEqual(
          denied('condition_failed', {
            ruleId: 'broken',
            ...svc,
            conditionProblem: 'does not compile: Unknown variable: nope',
          }),
        );
      });
    });
  });

  describe('decideSubject (AuthZEN)', () => {
    it('allows a subject holding the permission now', async () => {
      expect(await sut.decideSubject({ type: 'user', id: 'alice' }, 'invoices:write')).toEqual({
        allowed: true,
        reason: 'allowed',
        decisionId: expect.stringMatching(UUID),
        permission: 'invoices:write',
      });
    });

    it('denies permission_denied, and subject_inactive for a disabled or unknown subject', async () => {
      expect(await sut.decideSubject({ type: 'client', id: 'svc' }, 'invoices:write')).toEqual(
        denied('permission_denied', { permission: 'invoices:write' }),
      );
      expect((await sut.decideSubject({ type: 'user', id: 'svc' }, 'invoices:read')).reason).toBe(
        'subject_inactive',
      );
      state.users.set('alice', { ...active(['reader']), active: false });
      expect((await sut.decideSubject({ type: 'user', id: 'alice' }, 'invoices:read')).reason).toBe(
        'subject_inactive',
      );
    });

    it('finds a user by username or email; an ambiguous name is permission_denied', async () => {
      state.putUser('u-1', { ...active(['writer']), names: ['carol', 'carol@example.com'] });
      state.putUser('u-2', { ...active(['writer']), names: ['dave', 'shared@example.com'] });
      state.putUser('u-3', { ...active(['writer']), names: ['erin', 'shared@example.com'] });
      const decide = (id: string) => sut.decideSubject({ type: 'user', id }, 'invoices:write');
      expect((await decide('CAROL')).reason).toBe('allowed');
      expect((await decide('Carol@Example.com')).reason).toBe('allowed');
      expect(await decide('shared@example.com')).toEqual(
        denied('permission_denied', { permission: 'invoices:write' }),
      );
      expect((await decide('nobody')).reason).toBe('subject_inactive');
      // A client is named by its client_id only.
      expect(
        (await sut.decideSubject({ type: 'client', id: 'carol' }, 'invoices:write')).reason,
      ).toBe('subject_inactive');
    });
  });

  describe('decideNamed (/access/check naming a subject)', () => {
    beforeEach(() => {
      state.clients.set('checker', { ...active(), gatehouseScopes: ['iam:check'] });
    });
    const checkerToken = (claims: JWTPayload = {}) =>
      token('c', { sub: 'checker', client_id: 'checker', scope: 'iam:check', ...claims });
    const named = (t: string | undefined, about: { type: 'user' | 'client'; id: string }) => {
      const asked = { token: t, permission: 'invoices:write', about };
      return sut.decideNamedNow(asked) ?? sut.decideNamed(asked);
    };
    const caller = { sub: 'checker', clientId: 'checker' };

    it('decides about the named subject for a caller with iam:check, naming both', async () => {
      expect(await named(checkerToken(), { type: 'user', id: 'alice' })).toEqual({
        allowed: true,
        reason: 'allowed',
        decisionId: expect.stringMatching(UUID),
        permission: 'invoices:write',
        sub: 'alice',
        caller,
      });
      expect(await named(checkerToken(), { type: 'client', id: 'svc' })).toEqual(
        denied('permission_denied', {
          permission: 'invoices:write',
          sub: 'svc',
          clientId: 'svc',
          caller,
        }),
      );
      // Once verified, in the same tick.
      expect(
        sut.decideNamedNow({
          token: checkerToken(),
          permission: 'invoices:write',
          about: { type: 'user', id: 'alice' },
        }),
      ).toMatchObject({ allowed: true, sub: 'alice' });
    });

    it('denies a caller whose iam:check does not count now insufficient_scope, about nobody', async () => {
      const refused = denied('insufficient_scope', { permission: 'invoices:write', caller });
      expect(
        await named(checkerToken({ scope: 'invoices:read' }), { type: 'user', id: 'alice' }),
      ).toEqual(refused);
      state.clients.set('checker', active());
      expect(await named(checkerToken(), { type: 'user', id: 'alice' })).toEqual(refused);
      // A user's token: the user must hold iam:check through a role too.
      state.clients.set('checker', { ...active(), gatehouseScopes: ['iam:check'] });
      const userToken = token('ut', { sub: 'alice', client_id: 'checker', scope: 'iam:check' });
      expect(await named(userToken, { type: 'client', id: 'svc' })).toEqual(
        denied('insufficient_scope', {
          permission: 'invoices:write',
          caller: { sub: 'alice', clientId: 'checker' },
        }),
      );
      state.roles = new Map([...state.roles, ['checking', new Set(['iam:check'])]]);
      state.users.set('alice', active(['reader', 'writer', 'checking']));
      state.forgetPermissions();
      expect((await named(userToken, { type: 'user', id: 'alice' })).reason).toBe('allowed');
    });

    it("denies with the caller's own token problem, naming nobody", async () => {
      expect(await named(undefined, { type: 'user', id: 'alice' })).toEqual(
        denied('token_missing', { permission: 'invoices:write' }),
      );
      expect(await named('forged', { type: 'user', id: 'alice' })).toEqual(
        denied('token_invalid', { permission: 'invoices:write' }),
      );
      state.clients.set('checker', { ...active(), active: false, gatehouseScopes: ['iam:check'] });
      expect(await named(checkerToken(), { type: 'user', id: 'alice' })).toEqual(
        denied('client_inactive', { permission: 'invoices:write', caller }),
      );
    });
  });

  describe('role conditions with what the asker says (AuthZEN properties and context)', () => {
    /** Role `owner` grants `todos:update` when `source` holds. */
    const grantOn = (source: string) => {
      const compiled = compile(source);
      if (!compiled.ok) throw new Error(compiled.problem.message);
      state.roles = new Map([['owner', new Set(['todos:update'])]]);
      state.roleConditions = new Map([
        [
          'owner',
          new Map([['todos:update', { source, compiled: compiled.condition, params: [] }]]),
        ],
      ]);
      state.conditionedPermissions = new Set(['todos:update']);
      state.putUser('u-1', {
        ...active(['owner']),
        names: ['rick', 'rick@the-citadel.com'],
        username: 'Rick',
        email: 'Rick@The-Citadel.com',
      });
      state.clients.set('svc', active(['owner']));
    };
    const decide = (asked?: AskedFacts, id = 'u-1', type: 'user' | 'client' = 'user') =>
      sut.decideSubject({ type, id }, 'todos:update', asked);

    it("reads resource, action and subject properties, the context and the user's names", async () => {
      grantOn(
        'resource.properties.ownerID == subject.email && subject.username == "Rick" && ' +
          'action.properties.method == "PUT" && subject.properties.department == "r&d" && ' +
          'context.tenant == "c-137" && resource.type == "todos" && action.name == "update" && ' +
          'resource.id == "todo-1" && subject.id == "u-1"',
      );
      const asked: AskedFacts = {
        resource: { id: 'todo-1', properties: { ownerID: 'Rick@The-Citadel.com' } },
        action: { properties: { method: 'PUT' } },
        subject: { properties: { department: 'r&d' } },
        context: { tenant: 'c-137' },
      };
      expect(await decide(asked)).toEqual({
        allowed: true,
        reason: 'allowed',
        decisionId: expect.stringMatching(UUID),
        permission: 'todos:update',
      });
      // The same user named by email: the condition sees the user as stored.
      expect((await decide(asked, 'RICK@the-citadel.com')).reason).toBe('allowed');
      expect(
        await decide({
          ...asked,
          resource: { id: 'todo-1', properties: { ownerID: 'morty@the-citadel.com' } },
        }),
      ).toEqual(
        denied('condition_failed', {
          permission: 'todos:update',
          conditionProblem: 'role owner: false',
        }),
      );
    });

    it('denies condition_failed, never an error, when a property or the context is missing', async () => {
      grantOn('resource.properties.ownerID == subject.email');
      expect(await decide()).toEqual(
        denied('condition_failed', {
          permission: 'todos:update',
          conditionProblem: 'role owner: No such key: properties',
        }),
      );
      expect((await decide({ resource: { properties: {} } })).conditionProblem).toBe(
        'role owner: No such key: ownerID',
      );
      // A client has no email: reading it fails closed.
      expect(
        (await decide({ resource: { properties: { ownerID: 'x' } } }, 'svc', 'client'))
          .conditionProblem,
      ).toBe('role owner: No such key: email');
      grantOn('context.tenant == "c-137"');
      expect((await decide({ context: {} })).conditionProblem).toBe(
        'role owner: No such key: tenant',
      );
    });

    it("keeps the server's time and address over the caller's, and never leaves a caller's address standing", async () => {
      grantOn('context.time < timestamp("2000-01-01T00:00:00Z")');
      const forgedTime = { context: { time: new Date('1999-01-01T00:00:00Z') } };
      expect((await decide(forgedTime)).reason).toBe('condition_failed');
      grantOn('context.address == "203.0.113.9"');
      expect(
        (await decide({ context: { address: '203.0.113.9' }, address: '198.51.100.1' })).reason,
      ).toBe('condition_failed');
      expect((await decide({ context: { address: '203.0.113.9' } })).conditionProblem).toBe(
        'role owner: No such key: address',
      );
      expect((await decide({ context: { address: 'x' }, address: '203.0.113.9' })).reason).toBe(
        'allowed',
      );
      const presented = { address: () => '203.0.113.9' } as unknown as AskedFacts['presented'];
      expect((await decide({ presented })).reason).toBe('allowed');
    });

    it('reads __proto__ and constructor keys as plain data, and changes nothing the caller sent', async () => {
      grantOn('context["__proto__"] == "p" && resource.properties["constructor"] == "c"');
      const context = JSON.parse('{"__proto__": "p", "address": "forged"}') as Record<
        string,
        unknown
      >;
      const properties = JSON.parse('{"constructor": "c"}') as Record<string, unknown>;
      expect((await decide({ context, resource: { properties } })).reason).toBe('allowed');
      expect(context).toEqual(JSON.parse('{"__proto__": "p", "address": "forged"}'));
      expect(Object.keys(context)).toEqual(['__proto__', 'address']);
      grantOn('context["constructor"] == context["constructor"]');
      expect((await decide({ context: {} })).conditionProblem).toBe(
        'role owner: No such key: constructor',
      );
    });

    it('asks the same of the searches: subjectDenial sees the facts', () => {
      grantOn('resource.properties.ownerID == subject.email');
      const asked = { resource: { properties: { ownerID: 'Rick@The-Citadel.com' } } };
      expect(sut.subjectDenial({ type: 'user', id: 'u-1' }, 'todos:update', asked)).toBeUndefined();
      expect(sut.subjectDenial({ type: 'user', id: 'u-1' }, 'todos:update')).toEqual({
        reason: 'condition_failed',
        details: { conditionProblem: 'role owner: No such key: properties' },
      });
    });
  });

  describe('while the state is unknown or reloading', () => {
    it('throws DecisionUnavailableError (503) from every kind of decision, never allows', async () => {
      state.known = false;
      const t = token('t');
      await expect(permission(t)).rejects.toBeInstanceOf(DecisionUnavailableError);
      await expect(
        sut.decideGateway({ token: t, method: 'GET', path: '/public/x' }),
      ).rejects.toBeInstanceOf(DecisionUnavailableError);
      await expect(
        sut.decideSubject({ type: 'user', id: 'alice' }, 'invoices:read'),
      ).rejects.toBeInstanceOf(DecisionUnavailableError);
      expect(sut.readiness()).toEqual({ accessState: false, revocationList: true });
    });

    it('answers 503 while the revocation list is not known, however good the token', async () => {
      const t = token('t');
      expect((await permission(t)).allowed).toBe(true);
      revocations.known = false;
      expect(sut.readiness()).toEqual({ accessState: true, revocationList: false });
      await expect(permission(t)).rejects.toBeInstanceOf(DecisionUnavailableError);
      await expect(
        sut.decideGateway({ token: t, method: 'GET', path: '/invoices/1' }),
      ).rejects.toBeInstanceOf(DecisionUnavailableError);
      revocations.known = true;
      expect((await permission(t)).allowed).toBe(true);
    });

    it('answers 503 when the state became unknown while a new token was being verified', async () => {
      const t = token('fresh');
      const answer = permission(t); // verification under way
      state.known = false;
      await expect(answer).rejects.toBeInstanceOf(DecisionUnavailableError);
    });

    it('waits for a reload under way, so a change announced before is in force', async () => {
      const t = token('t');
      state.track(
        new Promise<void>((resolve) =>
          setTimeout(() => {
            state.clients.set('svc', { ...active(['reader']), active: false });
            resolve();
          }, 30),
        ),
      );
      expect((await permission(t)).reason).toBe('client_inactive');
    });

    it('answers 503 when a reload under way takes longer than a second', async () => {
      state.track(new Promise<void>((resolve) => setTimeout(resolve, 1500)));
      await expect(permission(token('t'))).rejects.toBeInstanceOf(DecisionUnavailableError);
    });
  });
});

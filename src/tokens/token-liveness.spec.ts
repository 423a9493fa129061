import { expect } from 'expect';
import { describe, it } from 'node:test';
import { asTokenHolder, TokenHolder, tokenLiveness, TokenStatusSources } from './token-liveness';

const SECOND = 1_000_000;
const live = (tokensValidAfter: number | null = null): TokenHolder => ({
  active: true,
  tokensValidAfter,
});
const disabled: TokenHolder = { active: false, tokensValidAfter: null };

function sources(
  clients: Record<string, TokenHolder>,
  users: Record<string, TokenHolder> = {},
  revoked: string[] = [],
): TokenStatusSources {
  return {
    isRevoked: (jti) => revoked.includes(jti),
    client: (id) => clients[id],
    user: (id) => users[id],
  };
}

const own = { jti: 'j', sub: 'svc', clientId: 'svc', issuedMs: SECOND * 1000 };
const users = { jti: 'j', sub: 'alice', clientId: 'web', issuedMs: SECOND * 1000 };

describe(tokenLiveness.name, () => {
  it("is live for a client's own token and a user's token whose holders are active", () => {
    expect(tokenLiveness(own, sources({ svc: live() }))).toBe('live');
    expect(tokenLiveness(users, sources({ web: live() }, { alice: live() }))).toBe('live');
  });

  it('token_revoked for a revoked jti, before anything else', () => {
    expect(tokenLiveness(own, sources({}, {}, ['j']))).toBe('token_revoked');
  });

  it('client_inactive for a disabled or unknown client', () => {
    expect(tokenLiveness(own, sources({ svc: disabled }))).toBe('client_inactive');
    expect(tokenLiveness(own, sources({}))).toBe('client_inactive');
    expect(tokenLiveness(users, sources({}, { alice: live() }))).toBe('client_inactive');
  });

  it("subject_inactive for a user's token whose user is disabled or unknown", () => {
    expect(tokenLiveness(users, sources({ web: live() }, { alice: disabled }))).toBe(
      'subject_inactive',
    );
    expect(tokenLiveness(users, sources({ web: live() }))).toBe('subject_inactive');
  });

  it("a client's own token needs no user (RFC 9068 §2.2)", () => {
    const asked: string[] = [];
    const status = {
      ...sources({ svc: live() }),
      user: (id: string) => (asked.push(id), undefined),
    };
    expect(tokenLiveness(own, status)).toBe('live');
    expect(asked).toEqual([]);
  });

  it('token_revoked when issued at or before a cut-off of the client or the user', () => {
    const at = own.issuedMs;
    expect(tokenLiveness(own, sources({ svc: live(at) }))).toBe('token_revoked');
    expect(tokenLiveness(own, sources({ svc: live(at + 999) }))).toBe('token_revoked');
    expect(tokenLiveness(own, sources({ svc: live(at - 1) }))).toBe('live');
    expect(tokenLiveness(users, sources({ web: live() }, { alice: live(at + 500) }))).toBe(
      'token_revoked',
    );
    expect(tokenLiveness(users, sources({ web: live(at) }, { alice: live() }))).toBe(
      'token_revoked',
    );
  });

  it('a token without a jti (a refresh token) is not looked up in the revocation list', () => {
    const refresh = { sub: own.sub, clientId: own.clientId, issuedMs: own.issuedMs };
    const status = {
      ...sources({ svc: live() }),
      isRevoked: () => {
        throw new Error('asked');
      },
    };
    expect(tokenLiveness(refresh, status)).toBe('live');
  });
});

describe(asTokenHolder.name, () => {
  it('reads a stored status and cut-off', () => {
    expect(asTokenHolder({ status: 'active', tokensValidAfter: null })).toEqual(live());
    expect(asTokenHolder({ status: 'disabled', tokensValidAfter: new Date(SECOND) })).toEqual({
      active: false,
      tokensValidAfter: SECOND,
    });
    expect(asTokenHolder(null)).toBeUndefined();
  });
});

import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ALIAS_SYNTAX, issuerProblem, scopeProblem } from './identity-provider.policy';

describe(issuerProblem.name, () => {
  const https = 'https://gatehouse.example.com';

  it('accepts an https issuer without query or fragment (OIDC Discovery §4)', () => {
    expect(issuerProblem('https://sso.example.com', https)).toBeUndefined();
    expect(issuerProblem('https://sso.example.com/realms/a', https)).toBeUndefined();
  });

  it('accepts http only on a loopback host, or while this server runs on http', () => {
    for (const issuer of ['http://127.0.0.1:8080', 'http://[::1]:8080', 'http://localhost:1']) {
      expect(issuerProblem(issuer, https)).toBeUndefined();
    }
    expect(issuerProblem('http://sso.example.com', https)).toBe(
      'must be https (http only on a loopback host, or while this server runs on http)',
    );
    expect(issuerProblem('http://sso.example.com', 'http://localhost:3000')).toBeUndefined();
  });

  it('refuses queries, fragments, credentials and other schemes', () => {
    expect(issuerProblem('https://sso.example.com?a=1', https)).toMatch(/no query or fragment/);
    expect(issuerProblem('https://sso.example.com#x', https)).toMatch(/no query or fragment/);
    expect(issuerProblem('https://u:p@sso.example.com', https)).toBe('must not carry credentials');
    expect(issuerProblem('file:///etc/passwd', https)).toBe('must be an absolute https URL');
    expect(issuerProblem('sso.example.com', https)).toBe('must be an absolute https URL');
  });
});

describe(scopeProblem.name, () => {
  it('needs openid and the RFC 6749 §3.3 syntax', () => {
    expect(scopeProblem('openid email')).toBeUndefined();
    expect(scopeProblem('email profile')).toBe(
      'must include openid (OpenID Connect Core §3.1.2.1)',
    );
    expect(scopeProblem('openid  email')).toBe(
      'must be space-separated scope tokens (RFC 6749 §3.3)',
    );
  });
});

describe('ALIAS_SYNTAX', () => {
  it('is URL-safe: lower-case letters, digits and inner hyphens, 1 to 64', () => {
    for (const alias of ['a', 'corp', 'corp-sso', 'x1', 'a'.repeat(64)]) {
      expect(ALIAS_SYNTAX.test(alias)).toBe(true);
    }
    for (const alias of ['', '-a', 'a-', 'Corp', 'a_b', 'a.b', 'a/b', '%2e', 'a'.repeat(65)]) {
      expect(ALIAS_SYNTAX.test(alias)).toBe(false);
    }
  });
});

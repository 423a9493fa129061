import { expect } from 'expect';
import { describe, it } from 'node:test';
import {
  httpsUrlProblem,
  originProblem,
  redirectUriProblem,
  resourceUriProblem,
} from './redirect-uri.policy';

const LOOPBACK_ONLY =
  'http is allowed only on a loopback IP literal such as 127.0.0.1 or [::1] (RFC 8252 §7.3)';
const BAD_SCHEME = 'must not use the javascript:, data:, vbscript: or file: scheme';

describe(redirectUriProblem.name, () => {
  const sut = redirectUriProblem;

  const accepted = [
    'https://app.example.com/callback',
    'https://app.example.com:8443/cb?tenant=a',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:8080/cb',
    'http://127.1.2.3:9000/cb',
    'http://[::1]/cb',
    'http://[::1]:51004/cb',
  ];
  for (const uri of accepted) {
    it(`accepts ${uri}`, () => {
      expect(sut(uri)).toBeUndefined();
    });
  }

  const rejected: [string, string, string][] = [
    ['a relative path', '/callback', 'must be an absolute URI'],
    ['a bare word', 'callback', 'must be an absolute URI'],
    ['http on a public host (RFC 6749 §3.1.2.1)', 'http://app.example.com/cb', LOOPBACK_ONLY],
    [
      'http://localhost, a name rather than an IP literal (RFC 8252 §8.3)',
      'http://localhost/cb',
      LOOPBACK_ONLY,
    ],
    ['http on a private address', 'http://192.168.1.10/cb', LOOPBACK_ONLY],
    ['http on a host that merely starts with 127.', 'http://127.example.com/cb', LOOPBACK_ONLY],
    [
      'a fragment (RFC 6749 §3.1.2)',
      'https://app.example.com/cb#x',
      'must not contain a fragment (RFC 6749 §3.1.2)',
    ],
    [
      'an empty fragment',
      'https://app.example.com/cb#',
      'must not contain a fragment (RFC 6749 §3.1.2)',
    ],
    ['a wildcard in the host', 'https://*.example.com/cb', 'must not contain a wildcard'],
    ['a wildcard in the path', 'https://app.example.com/cb/*', 'must not contain a wildcard'],
    ['javascript:', 'javascript:alert(1)', BAD_SCHEME],
    ['JavaScript: in mixed case', 'JavaScript:alert(document.cookie)', BAD_SCHEME],
    ['JAVASCRIPT: after leading spaces', '  JAVASCRIPT:alert(1)', BAD_SCHEME],
    ['data:', 'data:text/html,hi', BAD_SCHEME],
    ['DATA: in upper case', 'DATA:text/html;base64,PHNjcmlwdD4=', BAD_SCHEME],
    ['vbscript:', 'VBScript:msgbox(1)', BAD_SCHEME],
    ['file:', 'file:///etc/passwd', BAD_SCHEME],
    ['whitespace', 'https://app.example.com/c b', 'must not contain whitespace'],
    ['user information', 'https://user:pw@app.example.com/cb', 'must not contain user information'],
    [
      'a non-http scheme',
      'ftp://app.example.com/cb',
      'must use https (or http on a loopback IP literal)',
    ],
  ];
  for (const [what, uri, problem] of rejected) {
    it(`rejects ${what}`, () => {
      expect(sut(uri)).toBe(problem);
    });
  }
});

describe(originProblem.name, () => {
  const sut = originProblem;

  for (const origin of [
    'https://app.example.com',
    'https://app.example.com:8443',
    'http://localhost:5173',
  ]) {
    it(`accepts the origin ${origin}`, () => {
      expect(sut(origin)).toBeUndefined();
    });
  }

  const originOnly = 'must be an origin only: scheme, host and port, no path or trailing slash';
  const rejected: [string, string, string][] = [
    ['a path', 'https://app.example.com/app', originOnly],
    ['a trailing slash', 'https://app.example.com/', originOnly],
    ['a query', 'https://app.example.com?x=1', originOnly],
    ['the default port spelled out', 'https://app.example.com:443', originOnly],
    [
      'upper-case letters (origins are serialized in lower case)',
      'https://App.example.com',
      originOnly,
    ],
    ['no scheme', 'app.example.com', 'must be an origin such as https://app.example.com'],
    ['a wildcard', '*', 'must be an origin such as https://app.example.com'],
    ['a non-http scheme', 'ftp://app.example.com', 'must use http or https'],
  ];
  for (const [what, origin, problem] of rejected) {
    it(`rejects an origin with ${what}`, () => {
      expect(sut(origin)).toBe(problem);
    });
  }
});

describe(resourceUriProblem.name, () => {
  const sut = resourceUriProblem;

  for (const resource of [
    'https://api.example.com',
    'https://api.example.com/v1?x=1',
    'urn:example:api',
  ]) {
    it(`accepts the absolute URI ${resource}`, () => {
      expect(sut(resource)).toBeUndefined();
    });
  }

  it('rejects a URI that is not absolute (RFC 8707 §2)', () => {
    expect(sut('invoices-api')).toBe('must be an absolute URI (RFC 8707 §2)');
    expect(sut('/api')).toBe('must be an absolute URI (RFC 8707 §2)');
  });

  it('rejects a fragment (RFC 8707 §2)', () => {
    expect(sut('https://api.example.com/#v1')).toBe('must not contain a fragment (RFC 8707 §2)');
  });
});

describe(httpsUrlProblem.name, () => {
  const sut = httpsUrlProblem;

  it('accepts an https URL', () => {
    expect(sut('https://app.example.com/jwks.json')).toBeUndefined();
  });

  it('rejects http', () => {
    expect(sut('http://app.example.com/jwks.json')).toBe('must be an https URL');
  });

  it('rejects something that is not a URL', () => {
    expect(sut('jwks.json')).toBe('must be an absolute https URL');
  });
});

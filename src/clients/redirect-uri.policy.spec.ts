import { expect } from 'expect';
import { describe, it } from 'node:test';
import {
  jwksUriProblem,
  originProblem,
  parseAbsoluteUri,
  PORT_PROBLEM,
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

describe(jwksUriProblem.name, () => {
  const strict = (value: string) => jwksUriProblem(value, false);
  const relaxed = (value: string) => jwksUriProblem(value, true);

  it('accepts an https URL on a public host name or address', () => {
    expect(strict('https://app.example.com/jwks.json')).toBeUndefined();
    expect(strict('https://app.example.com:8443/.well-known/jwks.json')).toBeUndefined();
    expect(strict('https://93.184.215.14/jwks')).toBeUndefined();
    expect(strict('https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/jwks')).toBeUndefined();
  });

  it('rejects http, and what is not an absolute URL', () => {
    expect(strict('http://app.example.com/jwks.json')).toBe('must be an https URL');
    expect(strict('ftp://app.example.com/jwks.json')).toBe('must be an https URL');
    expect(strict('jwks.json')).toBe('must be an absolute https URL');
  });

  it('rejects user information in the URL', () => {
    expect(strict('https://user:pass@app.example.com/jwks')).toBe(
      'must not contain user information',
    );
  });

  it('rejects localhost and names under .localhost (RFC 6761 §6.3), in any case, with a trailing dot', () => {
    for (const uri of [
      'https://localhost/jwks',
      'https://LOCALHOST:8443/jwks',
      'https://localhost./jwks',
      'https://api.localhost/jwks',
    ]) {
      expect(strict(uri)).toBe('must not point at localhost');
    }
  });

  const literals: [string, string][] = [
    ['https://127.0.0.1/jwks', 'loopback'],
    ['https://127.8.9.10:4443/jwks', 'loopback'],
    ['https://2130706433/jwks', 'loopback'],
    ['https://0x7f.1/jwks', 'loopback'],
    ['https://[::1]/jwks', 'loopback'],
    ['https://10.1.2.3/jwks', 'private'],
    ['https://172.16.0.1/jwks', 'private'],
    ['https://192.168.1.1/jwks', 'private'],
    ['https://[fd12:3456::1]/jwks', 'unique local (private)'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://[fe80::1]/jwks', 'link-local'],
    ['https://0.0.0.0/jwks', 'unspecified'],
    ['https://[::]/jwks', 'unspecified'],
    ['https://100.64.0.1/jwks', 'shared address space (CGNAT)'],
    ['https://224.0.0.1/jwks', 'multicast'],
    ['https://[::ffff:127.0.0.1]/jwks', 'IPv4-mapped'],
    ['https://[::ffff:8.8.8.8]/jwks', 'IPv4-mapped'],
  ];
  for (const [uri, range] of literals) {
    it(`rejects ${uri}: an IP literal in a ${range} range`, () => {
      expect(strict(uri)).toBe(`must not point at a non-public address (${range})`);
    });
  }

  it('with JWKS_URI_ALLOW_PRIVATE, accepts loopback, private hosts and http', () => {
    expect(relaxed('https://127.0.0.1:8443/jwks')).toBeUndefined();
    expect(relaxed('https://localhost/jwks')).toBeUndefined();
    expect(relaxed('https://10.0.0.5/jwks')).toBeUndefined();
    expect(relaxed('http://localhost:8080/jwks')).toBeUndefined();
  });

  it('with JWKS_URI_ALLOW_PRIVATE, still rejects other schemes, user information and non-URLs', () => {
    expect(relaxed('file:///etc/passwd')).toBe('must be an https URL');
    expect(relaxed('https://user@localhost/jwks')).toBe('must not contain user information');
    expect(relaxed('jwks.json')).toBe('must be an absolute https URL');
  });
});

describe(parseAbsoluteUri.name, () => {
  const portOf = (value: string) => {
    const parsed = parseAbsoluteUri(value);
    return 'url' in parsed ? parsed.url.port || 'default' : parsed.problem;
  };

  for (const [uri, port] of [
    ['http://127.0.0.1:1/cb', '1'],
    ['http://127.0.0.1:65535/cb', '65535'],
    ['https://[::1]:8443/cb', '8443'],
    ['https://user@app.example.com:8443/cb', '8443'],
    ['https://app.example.com/a:b?c=d:e', 'default'],
    ['urn:example:api', 'default'],
  ]) {
    it(`reads the port of ${uri} as ${port}`, () => {
      expect(portOf(uri)).toBe(port);
    });
  }

  for (const uri of [
    'http://127.0.0.1:99999/cb',
    'http://127.0.0.1:65536/cb',
    'http://127.0.0.1:0/cb',
    'http://127.0.0.1:00080/cb',
    'http://127.0.0.1:+80/cb',
    'http://127.0.0.1:-1/cb',
    'http://127.0.0.1:8o/cb',
    'http://127.0.0.1:/cb',
    'https://[::1]:0/cb',
    'https://app.example.com:4294967377/cb',
  ]) {
    it(`refuses the port of ${uri} (RFC 6335 §6: 1 to 65535)`, () => {
      expect(portOf(uri)).toBe(PORT_PROBLEM);
    });
  }
});

describe('every URI a client registers reads its port one way', () => {
  const policies: [string, (value: string) => string | undefined][] = [
    ['redirect_uris', redirectUriProblem],
    ['allowed_cors_origins', originProblem],
    ['audience', resourceUriProblem],
    ['jwks_uri', (value) => jwksUriProblem(value, true)],
  ];
  for (const [field, sut] of policies) {
    it(`${field} refuses port 99999, port 0 and an empty port`, () => {
      const scheme = field === 'jwks_uri' ? 'https' : 'http';
      const suffix = field === 'allowed_cors_origins' ? '' : '/cb';
      for (const port of ['99999', '0', '']) {
        expect(sut(`${scheme}://127.0.0.1:${port}${suffix}`)).toBe(PORT_PROBLEM);
      }
      expect(sut(`${scheme}://127.0.0.1:8080${suffix}`)).toBeUndefined();
    });
  }
});

import { expect } from 'expect';
import { describe, it } from 'node:test';
import { FieldProblem } from '../common/api-error';
import { ClientMetadataDto } from './client-metadata.dto';
import {
  assertionAlgorithms,
  ClientMetadata,
  clientMetadataProblems,
  needsSecret,
  resolveClientMetadata,
} from './client-metadata.policy';

const PUBLIC_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4',
  y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM',
};

/** A valid confidential web client, resolved. */
const WEB: ClientMetadata = {
  attributes: {},
  clientName: 'web',
  clientType: 'confidential',
  redirectUris: ['https://app.example.com/cb'],
  grantTypes: ['authorization_code'],
  responseTypes: ['code'],
  scopes: [],
  audience: [],
  tokenEndpointAuthMethod: 'client_secret_basic',
  tokenEndpointAuthSigningAlg: null,
  jwksUri: null,
  jwks: null,
  allowedCorsOrigins: [],
  idTokenSignedResponseAlg: 'RS256',
  postLogoutRedirectUris: [],
  alwaysIssueRefreshToken: false,
  requirePushedAuthorizationRequests: false,
  dpopBoundAccessTokens: false,
  accessTokenLifetime: null,
  refreshTokenLifetime: null,
  status: 'active',
  tlsClientAuthSubjectDn: null,
  tlsClientAuthSanDns: null,
  tlsClientAuthSanUri: null,
  tlsClientAuthSanIp: null,
  tlsClientAuthSanEmail: null,
  tlsClientCertificateBoundAccessTokens: false,
};

const SPA: ClientMetadata = {
  ...WEB,
  clientName: 'spa',
  clientType: 'public',
  tokenEndpointAuthMethod: 'none',
};

const SERVICE: ClientMetadata = {
  ...WEB,
  clientName: 'svc',
  clientType: 'm2m',
  redirectUris: [],
  grantTypes: ['client_credentials'],
  responseTypes: [],
  scopes: ['invoices:read'],
};

describe(resolveClientMetadata.name, () => {
  const sut = resolveClientMetadata;

  describe('defaults for a new client, derived from its type', () => {
    it('gives a public client none, authorization_code and code', () => {
      expect(
        sut({ client_name: 'spa', client_type: 'public', redirect_uris: ['https://a.example/cb'] }),
      ).toEqual({ ...SPA, redirectUris: ['https://a.example/cb'] });
    });

    it('gives a confidential client client_secret_basic, authorization_code and code', () => {
      expect(
        sut({
          client_name: 'web',
          client_type: 'confidential',
          redirect_uris: ['https://app.example.com/cb'],
        }),
      ).toEqual(WEB);
    });

    it('gives an m2m client client_secret_basic, client_credentials and no response types', () => {
      expect(sut({ client_name: 'svc', client_type: 'm2m', scope: 'invoices:read' })).toEqual(
        SERVICE,
      );
    });

    it('names an unnamed client and starts it active with empty lists', () => {
      expect(sut({ client_type: 'm2m' })).toEqual({
        ...SERVICE,
        clientName: 'Unnamed client',
        scopes: [],
      });
    });
  });

  describe('the type, when client_type is absent', () => {
    const cases: [string, ClientMetadataDto, string][] = [
      ['none means public', { token_endpoint_auth_method: 'none' }, 'public'],
      ['only client_credentials means m2m', { grant_types: ['client_credentials'] }, 'm2m'],
      [
        'client_credentials with another grant means confidential',
        { grant_types: ['client_credentials', 'authorization_code'] },
        'confidential',
      ],
      ['nothing means confidential', {}, 'confidential'],
      [
        'a secret method means confidential',
        { token_endpoint_auth_method: 'client_secret_post' },
        'confidential',
      ],
    ];
    for (const [rule, input, type] of cases) {
      it(rule, () => {
        expect(sut(input).clientType).toBe(type);
      });
    }

    it('keeps the explicit client_type even when the rest does not fit it', () => {
      expect(
        sut({ client_type: 'public', token_endpoint_auth_method: 'client_secret_basic' }),
      ).toMatchObject({ clientType: 'public', tokenEndpointAuthMethod: 'client_secret_basic' });
    });
  });

  describe('scope strings', () => {
    it('splits the space-separated scope into tokens', () => {
      expect(sut({ scope: 'openid invoices:read' }).scopes).toEqual(['openid', 'invoices:read']);
    });

    it('turns an empty scope into no scopes', () => {
      expect(sut({ scope: '' }, SERVICE).scopes).toEqual([]);
    });
  });

  describe('updates merged over the stored client', () => {
    it('keeps every field the input leaves out', () => {
      expect(sut({}, WEB)).toEqual(WEB);
      expect(sut({ client_name: 'renamed' }, SERVICE)).toEqual({
        ...SERVICE,
        clientName: 'renamed',
      });
    });

    it('replaces the fields the input names', () => {
      expect(
        sut(
          {
            redirect_uris: ['https://app.example.com/new'],
            scope: 'a b',
            audience: ['https://api.example.com'],
            allowed_cors_origins: ['https://app.example.com'],
            access_token_lifetime: 120,
            refresh_token_lifetime: 3600,
            status: 'disabled',
          },
          WEB,
        ),
      ).toEqual({
        ...WEB,
        redirectUris: ['https://app.example.com/new'],
        scopes: ['a', 'b'],
        audience: ['https://api.example.com'],
        allowedCorsOrigins: ['https://app.example.com'],
        accessTokenLifetime: 120,
        refreshTokenLifetime: 3600,
        status: 'disabled',
      });
    });

    it('keeps the stored type when neither method nor grants change', () => {
      expect(sut({ scope: 'x' }, SPA).clientType).toBe('public');
      expect(sut({ scope: 'x' }, SERVICE).clientType).toBe('m2m');
    });

    it('keeps a public client public when only its grants change', () => {
      expect(sut({ grant_types: ['authorization_code', 'refresh_token'] }, SPA)).toEqual({
        ...SPA,
        grantTypes: ['authorization_code', 'refresh_token'],
      });
    });

    it('makes a public client confidential when it switches to a secret method', () => {
      expect(sut({ token_endpoint_auth_method: 'client_secret_basic' }, SPA)).toMatchObject({
        clientType: 'confidential',
        tokenEndpointAuthMethod: 'client_secret_basic',
      });
    });

    it('resets stored values to the defaults of the new type when the type changes', () => {
      expect(sut({ client_type: 'confidential' }, SPA)).toEqual({
        ...SPA,
        clientType: 'confidential',
        tokenEndpointAuthMethod: 'client_secret_basic',
      });
      expect(
        sut(
          { client_type: 'm2m', redirect_uris: [] },
          { ...WEB, grantTypes: ['authorization_code', 'refresh_token'] },
        ),
      ).toEqual({
        ...WEB,
        clientType: 'm2m',
        redirectUris: [],
        grantTypes: ['client_credentials'],
        responseTypes: [],
      });
    });

    it('clears jwks_uri and jwks when the input sets them to null', () => {
      const withKeys: ClientMetadata = {
        ...WEB,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [PUBLIC_JWK] },
      };
      const cleared = sut(
        { jwks: null as unknown as undefined, token_endpoint_auth_method: 'client_secret_basic' },
        withKeys,
      );
      expect(cleared).toMatchObject({ jwks: null, tokenEndpointAuthMethod: 'client_secret_basic' });
    });
  });
});

describe(clientMetadataProblems.name, () => {
  const sut = clientMetadataProblems;
  const problem = (field: string, text: string): FieldProblem => ({ field, problem: text });

  it('finds nothing wrong with valid public, confidential and m2m clients', () => {
    expect(sut(SPA)).toEqual([]);
    expect(sut(WEB)).toEqual([]);
    expect(sut(SERVICE)).toEqual([]);
    expect(
      sut({
        ...WEB,
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwksUri: 'https://app.example.com/jwks.json',
        audience: ['https://api.example.com'],
        allowedCorsOrigins: ['https://app.example.com'],
      }),
    ).toEqual([]);
  });

  const cases: [string, ClientMetadata, FieldProblem[]][] = [
    [
      'each bad redirect URI, by index',
      { ...WEB, redirectUris: ['https://ok.example/cb', 'http://evil.example/cb', 'javascript:x'] },
      [
        problem(
          'redirect_uris[1]',
          'http is allowed only on a loopback IP literal such as 127.0.0.1 or [::1] (RFC 8252 §7.3)',
        ),
        problem(
          'redirect_uris[2]',
          'must not use the javascript:, data:, vbscript: or file: scheme',
        ),
      ],
    ],
    [
      'a bad audience, by index',
      { ...SERVICE, audience: ['https://api.example.com', 'api'] },
      [problem('audience[1]', 'must be an absolute URI (RFC 8707 §2)')],
    ],
    [
      'a bad CORS origin, by index',
      { ...SPA, allowedCorsOrigins: ['https://spa.example.com/'] },
      [
        problem(
          'allowed_cors_origins[0]',
          'must be an origin only: scheme, host and port, no path or trailing slash',
        ),
      ],
    ],
    [
      'a public client with a secret method',
      { ...SPA, tokenEndpointAuthMethod: 'client_secret_post' },
      [problem('token_endpoint_auth_method', 'public clients must use none')],
    ],
    [
      'a public client with private_key_jwt',
      { ...SPA, tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [PUBLIC_JWK] } },
      [problem('token_endpoint_auth_method', 'public clients must use none')],
    ],
    [
      'a public client with client_credentials',
      { ...SPA, grantTypes: ['authorization_code', 'client_credentials'] },
      [problem('grant_types', 'public clients may not use client_credentials')],
    ],
    [
      'a confidential client with none',
      { ...WEB, tokenEndpointAuthMethod: 'none' },
      [
        problem(
          'token_endpoint_auth_method',
          'confidential clients must authenticate; none is for public clients',
        ),
      ],
    ],
    [
      'an m2m client with none',
      { ...SERVICE, tokenEndpointAuthMethod: 'none' },
      [
        problem(
          'token_endpoint_auth_method',
          'm2m clients must authenticate; none is for public clients',
        ),
      ],
    ],
    [
      'an m2m client with authorization_code',
      {
        ...SERVICE,
        grantTypes: ['client_credentials', 'authorization_code'],
        responseTypes: ['code'],
        redirectUris: ['https://app.example.com/cb'],
      },
      [
        problem('grant_types', 'm2m clients have only client_credentials'),
        problem('redirect_uris', 'm2m clients have no redirect URIs'),
      ],
    ],
    [
      'an m2m client with redirect URIs',
      { ...SERVICE, redirectUris: ['https://app.example.com/cb'] },
      [problem('redirect_uris', 'm2m clients have no redirect URIs')],
    ],
    [
      'no grant types at all',
      { ...WEB, grantTypes: [], responseTypes: [] },
      [problem('grant_types', 'must name at least one grant type')],
    ],
    [
      'authorization_code without a redirect URI',
      { ...WEB, redirectUris: [] },
      [problem('redirect_uris', 'authorization_code needs at least one redirect URI')],
    ],
    [
      'refresh_token without authorization_code',
      {
        ...WEB,
        grantTypes: ['client_credentials', 'refresh_token'],
        responseTypes: [],
        redirectUris: [],
      },
      [problem('grant_types', 'refresh_token needs authorization_code')],
    ],
    [
      'authorization_code without response type code',
      { ...WEB, responseTypes: [] },
      [
        problem(
          'response_types',
          'response type code goes with, and only with, the authorization_code grant',
        ),
      ],
    ],
    [
      'response type code without authorization_code',
      { ...SERVICE, responseTypes: ['code'] },
      [
        problem(
          'response_types',
          'response type code goes with, and only with, the authorization_code grant',
        ),
      ],
    ],
    [
      'jwks and jwks_uri together',
      {
        ...WEB,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [PUBLIC_JWK] },
        jwksUri: 'https://app.example.com/jwks.json',
      },
      [problem('jwks', 'jwks and jwks_uri may not both be set')],
    ],
    [
      'private_key_jwt without keys',
      { ...WEB, tokenEndpointAuthMethod: 'private_key_jwt' },
      [problem('token_endpoint_auth_method', 'private_key_jwt needs jwks or jwks_uri')],
    ],
    [
      'an empty JWK Set',
      { ...WEB, jwks: { keys: [] } },
      [problem('jwks', 'must be a JWK Set with a non-empty "keys" array (RFC 7517 §5)')],
    ],
    [
      'a JWK Set without a keys array',
      { ...WEB, jwks: {} as ClientMetadata['jwks'] },
      [problem('jwks', 'must be a JWK Set with a non-empty "keys" array (RFC 7517 §5)')],
    ],
    [
      'more than 20 keys',
      { ...WEB, jwks: { keys: Array.from({ length: 21 }, () => PUBLIC_JWK) } },
      [problem('jwks', 'must hold at most 20 keys')],
    ],
    [
      'a key without kty',
      { ...WEB, jwks: { keys: [{ crv: 'P-256' }] } },
      [problem('jwks', 'every key must be a JWK object with "kty"')],
    ],
    [
      'a symmetric key',
      { ...WEB, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
      [problem('jwks', 'key type oct is not an asymmetric key type')],
    ],
    ...['d', 'p', 'q', 'dp', 'dq', 'qi'].map((member): [string, ClientMetadata, FieldProblem[]] => [
      `a JWK with the private member ${member}`,
      { ...WEB, jwks: { keys: [{ ...PUBLIC_JWK, [member]: 'AQAB' }] } },
      [problem('jwks', 'must contain public keys only; private key members are not accepted')],
    ]),
    [
      'a jwks_uri that is not https',
      {
        ...WEB,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwksUri: 'http://app.example.com/jwks',
      },
      [problem('jwks_uri', 'must be an https URL')],
    ],
    [
      'a jwks_uri on a loopback IP literal',
      {
        ...WEB,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwksUri: 'https://127.0.0.1:8443/jwks',
      },
      [problem('jwks_uri', 'must not point at a non-public address (loopback)')],
    ],
    [
      'a jwks_uri on localhost',
      { ...WEB, tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://localhost/jwks' },
      [problem('jwks_uri', 'must not point at localhost')],
    ],
  ];
  for (const [what, client, problems] of cases) {
    it(`reports ${what}`, () => {
      expect(sut(client)).toEqual(problems);
    });
  }

  it('with jwksUriAllowPrivate (JWKS_URI_ALLOW_PRIVATE), accepts a private or http jwks_uri', () => {
    const rules = { jwksUriAllowPrivate: true };
    for (const jwksUri of ['https://127.0.0.1:8443/jwks', 'http://localhost:8080/jwks']) {
      expect(sut({ ...WEB, tokenEndpointAuthMethod: 'private_key_jwt', jwksUri }, rules)).toEqual(
        [],
      );
    }
  });

  it('reports every problem, each naming its field', () => {
    expect(
      sut({
        ...SPA,
        tokenEndpointAuthMethod: 'client_secret_basic',
        grantTypes: ['authorization_code', 'client_credentials'],
        redirectUris: [],
      }),
    ).toEqual([
      problem('token_endpoint_auth_method', 'public clients must use none'),
      problem('grant_types', 'public clients may not use client_credentials'),
      problem('redirect_uris', 'authorization_code needs at least one redirect URI'),
    ]);
  });
});

describe(needsSecret.name, () => {
  const sut = needsSecret;

  it('is true for the secret methods only', () => {
    expect(sut('client_secret_basic')).toBe(true);
    expect(sut('client_secret_post')).toBe(true);
    expect(sut('client_secret_jwt')).toBe(true);
    expect(sut('private_key_jwt')).toBe(false);
    expect(sut('none')).toBe(false);
  });
});

describe(assertionAlgorithms.name, () => {
  const sut = assertionAlgorithms;

  it('is HMAC only for client_secret_jwt, asymmetric only for private_key_jwt, none otherwise', () => {
    expect(sut('client_secret_jwt')).toEqual(['HS256', 'HS384', 'HS512']);
    expect(sut('private_key_jwt')).not.toContain('HS256');
    expect(sut('private_key_jwt')).not.toContain('none');
    expect(sut('private_key_jwt')).toContain('RS256');
    expect(sut('client_secret_basic')).toEqual([]);
    expect(sut('none')).toEqual([]);
  });
});

describe('token_endpoint_auth_signing_alg', () => {
  const M2M: ClientMetadata = {
    ...WEB,
    clientType: 'm2m',
    redirectUris: [],
    grantTypes: ['client_credentials'],
    responseTypes: [],
    tokenEndpointAuthMethod: 'client_secret_jwt',
  };

  it('accepts an HS algorithm for client_secret_jwt', () => {
    expect(clientMetadataProblems({ ...M2M, tokenEndpointAuthSigningAlg: 'HS384' })).toEqual([]);
  });

  it('refuses an asymmetric algorithm for client_secret_jwt, naming the field', () => {
    expect(clientMetadataProblems({ ...M2M, tokenEndpointAuthSigningAlg: 'ES256' })).toEqual([
      {
        field: 'token_endpoint_auth_signing_alg',
        problem: 'client_secret_jwt takes one of HS256, HS384, HS512',
      },
    ]);
  });

  it('is dropped when the method changes and the change names no algorithm', () => {
    const stored = { ...M2M, tokenEndpointAuthSigningAlg: 'HS256' };
    expect(
      resolveClientMetadata({ token_endpoint_auth_method: 'client_secret_basic' }, stored)
        .tokenEndpointAuthSigningAlg,
    ).toBeNull();
    expect(
      resolveClientMetadata({ client_name: 'renamed' }, stored).tokenEndpointAuthSigningAlg,
    ).toBe('HS256');
  });

  describe('mutual TLS (RFC 8705 §2.1.2)', () => {
    const M2M: ClientMetadata = {
      ...WEB,
      clientType: 'm2m',
      redirectUris: [],
      grantTypes: ['client_credentials'],
      responseTypes: [],
      tokenEndpointAuthMethod: 'tls_client_auth',
      tlsClientAuthSubjectDn: 'CN=client-a,O=Example',
    };

    it('accepts tls_client_auth with exactly one well-formed name', () => {
      expect(clientMetadataProblems(M2M)).toEqual([]);
      for (const [member, value] of [
        ['tlsClientAuthSanDns', 'client.example.com'],
        ['tlsClientAuthSanUri', 'spiffe://example.com/client-a'],
        ['tlsClientAuthSanIp', '2001:db8::1'],
        ['tlsClientAuthSanEmail', 'client-a@example.com'],
      ] as const) {
        const client = { ...M2M, tlsClientAuthSubjectDn: null, [member]: value };
        expect(clientMetadataProblems(client)).toEqual([]);
      }
    });

    it('needs one name, and no more than one', () => {
      expect(clientMetadataProblems({ ...M2M, tlsClientAuthSubjectDn: null })).toEqual([
        {
          field: 'token_endpoint_auth_method',
          problem:
            'tls_client_auth needs one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email (RFC 8705 §2.1.2)',
        },
      ]);
      expect(clientMetadataProblems({ ...M2M, tlsClientAuthSanDns: 'a.example.com' })).toEqual([
        {
          field: 'tls_client_auth_san_dns',
          problem:
            'only one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email may be set (RFC 8705 §2.1.2)',
        },
      ]);
    });

    it('names a malformed value', () => {
      const cases: Array<[keyof ClientMetadata, string, string, string]> = [
        [
          'tlsClientAuthSubjectDn',
          'not a dn',
          'tls_client_auth_subject_dn',
          'must be an RFC 4514 distinguished name such as CN=client-a,O=Example',
        ],
        [
          'tlsClientAuthSanDns',
          'bad_name!',
          'tls_client_auth_san_dns',
          'must be a DNS name such as client.example.com',
        ],
        [
          'tlsClientAuthSanUri',
          'no scheme here',
          'tls_client_auth_san_uri',
          'must be an absolute URI',
        ],
        [
          'tlsClientAuthSanUri',
          'urn:a\u0000b',
          'tls_client_auth_san_uri',
          'must be an absolute URI',
        ],
        [
          'tlsClientAuthSanIp',
          '300.1.1.1',
          'tls_client_auth_san_ip',
          'must be an IPv4 or IPv6 address',
        ],
        [
          'tlsClientAuthSanEmail',
          'nobody',
          'tls_client_auth_san_email',
          'must be an email address',
        ],
      ];
      for (const [member, value, field, problem] of cases) {
        const client = { ...M2M, tlsClientAuthSubjectDn: null, [member]: value };
        expect(clientMetadataProblems(client)).toEqual([{ field, problem }]);
      }
    });

    it('refuses the names for other methods', () => {
      expect(
        clientMetadataProblems({ ...M2M, tokenEndpointAuthMethod: 'client_secret_basic' }),
      ).toEqual([
        {
          field: 'tls_client_auth_subject_dn',
          problem: 'is for token_endpoint_auth_method tls_client_auth only',
        },
      ]);
    });

    it('drops the names when the client leaves tls_client_auth', () => {
      const resolved = resolveClientMetadata(
        { token_endpoint_auth_method: 'client_secret_basic' },
        M2M,
      );
      expect(resolved.tlsClientAuthSubjectDn).toBeNull();
      expect(resolveClientMetadata({ client_name: 'renamed' }, M2M).tlsClientAuthSubjectDn).toBe(
        'CN=client-a,O=Example',
      );
    });

    it('self_signed_tls_client_auth needs keys, inline ones with a certificate in x5c', () => {
      const SELF: ClientMetadata = {
        ...M2M,
        tlsClientAuthSubjectDn: null,
        tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
      };
      expect(clientMetadataProblems(SELF)).toEqual([
        {
          field: 'token_endpoint_auth_method',
          problem: 'self_signed_tls_client_auth needs jwks or jwks_uri',
        },
      ]);
      expect(clientMetadataProblems({ ...SELF, jwks: { keys: [PUBLIC_JWK] } })).toEqual([
        {
          field: 'jwks',
          problem:
            'self_signed_tls_client_auth needs a key with its certificate in x5c (RFC 8705 §2.2)',
        },
      ]);
      expect(
        clientMetadataProblems({ ...SELF, jwks: { keys: [{ ...PUBLIC_JWK, x5c: ['AAAA'] }] } }),
      ).toEqual([
        {
          field: 'jwks',
          problem:
            'self_signed_tls_client_auth needs a key with its certificate in x5c (RFC 8705 §2.2)',
        },
      ]);
    });
  });
});

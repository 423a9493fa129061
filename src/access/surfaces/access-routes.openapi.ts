import { OpenAPIObject } from '@nestjs/swagger';
import { CHECK_PATH } from './check.route';
import { GATEWAY_PREFIX } from './gateway.route';

type Operation = NonNullable<OpenAPIObject['paths'][string]['post']>;

const UNAVAILABLE = { description: 'The server cannot tell; never an allow (Retry-After: 1)' };

/**
 * The OpenAPI description of the decision routes served ahead of Fastify (hot routes), which the
 * Nest Swagger scanner does not see.
 */
export function describeAccessRoutes(document: OpenAPIObject): void {
  document.paths[CHECK_PATH] = { post: checkOperation() };
  for (const [route, withPath] of [
    [GATEWAY_PREFIX, false],
    [`${GATEWAY_PREFIX}/{path}`, true],
  ] as const) {
    const item = gatewayOperation(withPath);
    document.paths[route] = {
      get: item,
      post: item,
      put: item,
      patch: item,
      delete: item,
      head: item,
      options: item,
    };
  }
}

const nullableString = { type: 'string', nullable: true };

function checkOperation(): Operation {
  return {
    tags: ['access'],
    summary: 'Decide for the Bearer token in the request: allowed or one reason',
    security: [{ bearer: [] }],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['resource', 'action'],
            additionalProperties: false,
            properties: {
              resource: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$', example: 'invoices' },
              action: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$', example: 'read' },
              context: { type: 'object', additionalProperties: true },
            },
          },
        },
      },
    },
    responses: {
      '200': {
        description: 'The decision; X-Decision-Id carries its id',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['allowed', 'reason', 'sub', 'client_id', 'scope', 'decision_id'],
              properties: {
                allowed: { type: 'boolean' },
                reason: {
                  type: 'string',
                  description: 'allowed, or a reason code (docs/reason-codes.md)',
                },
                sub: nullableString,
                client_id: nullableString,
                scope: nullableString,
                decision_id: { type: 'string', format: 'uuid' },
              },
            },
          },
        },
      },
      '400': { description: 'The body is not {resource, action, context?}' },
      '413': { description: 'The body is larger than BODY_LIMIT' },
      '415': { description: 'The body is not application/json' },
      '503': UNAVAILABLE,
    },
  };
}

function gatewayOperation(withPath: boolean): Operation {
  return {
    tags: ['access'],
    summary:
      'Forward-auth for nginx auth_request, Caddy forward_auth, Envoy ext_authz (docs/gateways.md)',
    description:
      'The original request comes from X-Original-Method + X-Original-URI (nginx), ' +
      'X-Forwarded-Method + X-Forwarded-Uri (Caddy, Traefik), or this request itself under ' +
      '/access/gateway/ (Envoy), as GATEWAY_FORMS accepts (docs/gateways.md). An original URI ' +
      'that upstreams could read differently is denied with path_rejected before any rule ' +
      '(docs/security/paths.md). Method-override headers are never read. Every answer carries ' +
      'X-Decision-Id.',
    security: [{ bearer: [] }],
    parameters: withPath
      ? [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }]
      : [],
    responses: {
      '200': {
        description: 'Allowed; X-Auth-Subject, X-Auth-Client-Id and X-Auth-Scope name the caller',
      },
      '401': {
        description: 'Token missing, invalid, expired or revoked; WWW-Authenticate: Bearer',
      },
      '403': {
        description: 'Denied (path_rejected included): {allowed: false, reason, decision_id}',
      },
      '503': UNAVAILABLE,
    },
  };
}

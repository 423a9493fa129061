import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from './config/app-config';

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setUpSwagger(app: NestFastifyApplication, config: AppConfig): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gatehouse')
      .setDescription(
        'OAuth 2.0 / OpenID Connect authorization server and policy decision point. ' +
          'Admin routes need a Bearer access token with scope iam:admin from POST /token.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .addBasicAuth(
        { type: 'http', scheme: 'basic', description: 'client_id and client_secret' },
        'client_secret_basic',
      )
      .addOAuth2(
        {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: `${config.issuer}/token`,
              scopes: {
                'iam:admin': 'Administer Gatehouse',
                'iam:check': 'Ask for access decisions',
              },
            },
          },
        },
        'oauth2',
      )
      .build(),
  );
  addGatewayRoute(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** The gateway forward-auth route is a plain Fastify route (a hot path), so it is described here. */
function addGatewayRoute(document: OpenAPIObject): void {
  const operation = (path: boolean) => ({
    tags: ['access'],
    summary:
      'Forward-auth for nginx auth_request, Caddy forward_auth, Envoy ext_authz (CONTRACT §4)',
    description:
      'The original request comes from X-Original-Method + X-Original-URI (nginx), ' +
      'X-Forwarded-Method + X-Forwarded-Uri (Caddy, Traefik), or this request itself under ' +
      '/access/gateway (Envoy). Every answer carries X-Decision-Id.',
    security: [{ bearer: [] }],
    parameters: path
      ? [{ name: 'path', in: 'path' as const, required: true, schema: { type: 'string' } }]
      : [],
    responses: {
      '200': {
        description: 'Allowed; X-Auth-Subject, X-Auth-Client-Id and X-Auth-Scope name the caller',
      },
      '401': {
        description: 'Token missing, invalid, expired or revoked; WWW-Authenticate: Bearer',
      },
      '403': { description: 'Denied: {allowed: false, reason, decision_id}' },
      '503': { description: 'The server cannot tell; never an allow' },
    },
  });
  for (const [route, withPath] of [
    ['/access/gateway', false],
    ['/access/gateway/{path}', true],
  ] as const) {
    const item = operation(withPath);
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

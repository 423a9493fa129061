import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { describeAccessRoutes } from './access/surfaces/access-routes.openapi';
import { ADMIN_SCOPE, CHECK_SCOPE } from './common/auth/permissions';
import { AppConfig } from './config/app-config';

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setUpSwagger(app: NestFastifyApplication, config: AppConfig): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gatehouse')
      .setDescription(
        'OAuth 2.0 / OpenID Connect authorization server and policy decision point. ' +
          `Admin routes need a Bearer access token with scope ${ADMIN_SCOPE} from POST /token.`,
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
                [ADMIN_SCOPE]: 'Administer Gatehouse',
                [CHECK_SCOPE]: 'Ask for access decisions',
              },
            },
          },
        },
        'oauth2',
      )
      .build(),
  );
  describeAccessRoutes(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

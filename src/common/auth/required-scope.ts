import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { REQUIRED_SCOPE, ScopeGuard } from './scope.guard';

/**
 * Declares a route's authorization and its Swagger description together (immich
 * `@Authenticated({ permission })`): a Bearer token carrying `scope`.
 */
export function RequireScope(scope: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    UseGuards(ScopeGuard),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ description: 'No Bearer token, or it is invalid or expired' }),
    ApiForbiddenResponse({ description: `The token lacks the ${scope} scope` }),
  );
}

import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AccessTokenGuard } from '../tokens/access-token.guard';
import { RolesGuard } from './roles.guard';
import { Roles } from './roles.decorator';

/**
 * A valid access token (and, when roles are given, one of them): guards, metadata and the
 * OpenAPI security requirement in one line. `@Authorized()`, `@Authorized('admin')`.
 */
export function Authorized(...roles: string[]) {
  const decorators = [
    UseGuards(AccessTokenGuard, RolesGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'missing, invalid, expired or revoked access token' }),
  ];
  if (roles.length > 0) {
    decorators.push(
      Roles(...roles),
      ApiForbiddenResponse({ description: 'lacks a required role' }),
    );
  }
  return applyDecorators(...decorators);
}

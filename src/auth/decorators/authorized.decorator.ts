import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AccessTokenGuard } from '../tokens/access-token.guard';
import { RolesGuard } from './roles.guard';
import { Roles } from './roles.decorator';
import { RequiresMfa } from './step-up';
import { StepUpGuard } from './step-up.guard';

export interface AuthorizedOptions {
  /** The session must have been verified with a second factor (`mfa` in `amr`). */
  mfa?: boolean;
}

/**
 * A valid access token (and, when roles are given, one of them; with `{ mfa: true }`, a
 * session verified with a second factor): guards, metadata and the OpenAPI security
 * requirement in one line. `@Authorized()`, `@Authorized('admin')`, `@Authorized({ mfa: true })`.
 */
export function Authorized(...args: (string | AuthorizedOptions)[]) {
  const roles = args.filter((arg): arg is string => typeof arg === 'string');
  const mfa = args.some((arg) => typeof arg === 'object' && arg.mfa === true);
  const decorators = [
    UseGuards(AccessTokenGuard, RolesGuard, StepUpGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: mfa
        ? 'missing, invalid, expired or revoked access token; insufficient_user_authentication ' +
          'when the session was not verified with a second factor'
        : 'missing, invalid, expired or revoked access token',
    }),
  ];
  if (roles.length > 0) {
    decorators.push(
      Roles(...roles),
      ApiForbiddenResponse({ description: 'lacks a required role' }),
    );
  }
  if (mfa) decorators.push(RequiresMfa());
  return applyDecorators(...decorators);
}

import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AccessTokenGuard } from '../tokens/access-token.guard';
import { requireAuthorization } from './authorization';

export interface AuthorizedOptions {
  /** The caller needs at least one of these roles. */
  roles?: string[];
  /** The session must have been verified with a second factor (`mfa` in `amr`). */
  mfa?: boolean;
}

/**
 * A valid access token (and, when roles are given, one of them; with `{ mfa: true }`, a
 * session verified with a second factor): one guard, one metadata object and the OpenAPI
 * security requirement in one line. `@Authorized()`, `@Authorized('admin')`,
 * `@Authorized({ mfa: true })`, `@Authorized({ roles: ['admin'], mfa: true })`.
 */
export function Authorized(...args: (string | AuthorizedOptions)[]) {
  const options = args.filter((arg): arg is AuthorizedOptions => typeof arg === 'object');
  const roles = [
    ...args.filter((arg): arg is string => typeof arg === 'string'),
    ...options.flatMap((option) => option.roles ?? []),
  ];
  const mfa = options.some((option) => option.mfa === true);
  const decorators = [
    UseGuards(AccessTokenGuard),
    requireAuthorization({ roles, mfa }),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: mfa
        ? 'missing, invalid, expired or revoked access token; insufficient_user_authentication ' +
          'when the session was not verified with a second factor'
        : 'missing, invalid, expired or revoked access token',
    }),
  ];
  if (roles.length > 0) {
    decorators.push(ApiForbiddenResponse({ description: 'lacks a required role' }));
  }
  return applyDecorators(...decorators);
}

import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  UseGuards,
} from '@nestjs/common';
import { AccessTokenGuard } from './access-token.guard';
import { requireAuthorization } from './authorization';
import type { Principal } from './principal';

export interface AuthorizedOptions {
  /** The caller needs at least one of these roles. */
  roles?: string[];
  /** The session must have been verified with a second factor (`mfa` in `amr`). */
  mfa?: boolean;
}

type SwaggerDecorators = {
  ApiBearerAuth: () => MethodDecorator & ClassDecorator;
  ApiUnauthorizedResponse: (options: { description: string }) => MethodDecorator & ClassDecorator;
  ApiForbiddenResponse: (options: { description: string }) => MethodDecorator & ClassDecorator;
};

/** @nestjs/swagger when the host has it (an optional peer): the OpenAPI side of @Authorized(). */
function swagger(): SwaggerDecorators | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@nestjs/swagger') as SwaggerDecorators;
  } catch {
    return undefined;
  }
}

/**
 * As Latch's: a valid access token (and one of the roles; with `{ mfa: true }`, a session
 * verified with a second factor). `@Authorized()`, `@Authorized('admin')`,
 * `@Authorized({ mfa: true })`, `@Authorized({ roles: ['admin'], mfa: true })`.
 */
export function Authorized(...args: (string | AuthorizedOptions)[]) {
  const options = args.filter((arg): arg is AuthorizedOptions => typeof arg === 'object');
  const roles = [
    ...args.filter((arg): arg is string => typeof arg === 'string'),
    ...options.flatMap((option) => option.roles ?? []),
  ];
  const mfa = options.some((option) => option.mfa === true);
  const decorators: (MethodDecorator & ClassDecorator)[] = [
    UseGuards(AccessTokenGuard),
    requireAuthorization({ roles, mfa }),
  ];
  const api = swagger();
  if (api) {
    decorators.push(
      api.ApiBearerAuth(),
      api.ApiUnauthorizedResponse({
        description: 'missing, invalid, expired or revoked access token',
      }),
    );
    if (roles.length > 0)
      decorators.push(api.ApiForbiddenResponse({ description: 'lacks a required role' }));
  }
  return applyDecorators(...decorators);
}

/** Adds roles to the route's requirement (enforced by AccessTokenGuard), as Latch's `@Roles()`. */
export const Roles = (...roles: string[]) => requireAuthorization({ roles });

/** The verified caller, as a typed parameter: `@CurrentUser() user: Principal`. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ user: Principal }>().user,
);

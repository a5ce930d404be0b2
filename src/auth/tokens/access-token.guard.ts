import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';

import { authorizationOf, unmetAuthorization } from '../decorators/authorization';
import type { Principal } from '../principal';
import { ACCESS_TOKEN_STRATEGY, refusalOf } from './access-token.strategy';
import { AccessTokenRefusal } from './token-errors';
import { MFA_SETTINGS, MfaSettings } from '../../latch.settings';

/**
 * `@UseGuards(AccessTokenGuard)` (or `@Authorized()`): Passport authenticates the request
 * with AccessTokenStrategy, and the caller becomes `request.user`; then the route's
 * requirement (`@Authorized({ roles, mfa })`, `@Roles()`) is checked, in this one guard.
 */
@Injectable()
export class AccessTokenGuard extends AuthGuard(ACCESS_TOKEN_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    @Inject(MFA_SETTINGS) private readonly mfa: MfaSettings,
  ) {
    super();
  }

  /**
   * Passport's verdict, then the route's requirement: the principal (Passport's AuthGuard
   * makes it `request.user`), or the problem of the strategy's refusal or of the unmet
   * requirement.
   */
  override handleRequest<TUser = Principal>(
    error: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (error instanceof Error) throw error; // the revoked set's database, say: a 500
    const principal =
      !error && user
        ? (user as unknown as Principal)
        : this.refused(error ? AccessTokenRefusal.invalid : refusalOf(info));
    const required = authorizationOf(this.reflector, context.getHandler(), context.getClass());
    const problem = required && unmetAuthorization(required, principal, this.mfa.adminRequireMfa);
    if (problem) throw problem;
    return principal as TUser;
  }

  /** The answer to a refused token: its 401 problem (LogoutGuard lets a revoked one through). */
  protected refused(refusal: AccessTokenRefusal): Principal | undefined {
    throw refusal.problem();
  }
}

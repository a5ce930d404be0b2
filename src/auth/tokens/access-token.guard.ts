import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { mfaConfig } from '../../config/namespaces';
import { authorizationOf, unmetAuthorization } from '../decorators/authorization';
import type { Principal } from '../principal';
import { ACCESS_TOKEN_STRATEGY, refusalOf } from './access-token.strategy';
import { AccessTokenRefusal } from './token-errors';

/**
 * `@UseGuards(AccessTokenGuard)` (or `@Authorized()`): Passport authenticates the request
 * with AccessTokenStrategy, and the caller becomes `request.user`; then the route's
 * requirement (`@Authorized({ roles, mfa })`, `@Roles()`) is checked, in this one guard.
 */
@Injectable()
export class AccessTokenGuard extends AuthGuard(ACCESS_TOKEN_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    @Inject(mfaConfig.KEY) private readonly mfa: ConfigType<typeof mfaConfig>,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const required = authorizationOf(this.reflector, context.getHandler(), context.getClass());
    if (required) {
      const user = context.switchToHttp().getRequest<{ user?: Principal }>().user;
      const problem = unmetAuthorization(required, user, this.mfa.adminRequireMfa);
      if (problem) throw problem;
    }
    return true;
  }

  /** Passport's verdict: the principal, or the problem of the strategy's refusal. */
  override handleRequest<TUser = Principal>(error: unknown, user: TUser | false, info: unknown) {
    if (error instanceof Error) throw error; // the revoked set's database, say: a 500
    if (!error && user) return user;
    return this.refused(error ? AccessTokenRefusal.invalid : refusalOf(info)) as TUser;
  }

  /** The answer to a refused token: its 401 problem (LogoutGuard lets a revoked one through). */
  protected refused(refusal: AccessTokenRefusal): Principal | undefined {
    throw refusal.problem();
  }
}

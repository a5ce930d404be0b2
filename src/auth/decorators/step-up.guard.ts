import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import type { Principal } from '../principal';
import { ROLES_KEY } from './roles.decorator';
import { insufficientUserAuthentication, REQUIRES_MFA_KEY } from './step-up';
import { MFA_SETTINGS, MfaSettings } from '../../latch.settings';

/**
 * Runs after AccessTokenGuard and RolesGuard: a route marked with `@Authorized({ mfa: true })`
 * (and, with AUTH_ADMIN_REQUIRE_MFA, every route of the `admin` role) needs `mfa` in the
 * session's `amr`; a password-only session gets 401 insufficient_user_authentication.
 */
@Injectable()
export class StepUpGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(MFA_SETTINGS) private readonly mfa: MfaSettings,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const marked = this.reflector.getAllAndOverride<boolean | undefined>(REQUIRES_MFA_KEY, targets);
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, targets);
    const adminRoute = roles?.includes('admin') ?? false;
    if (!marked && !(this.mfa.adminRequireMfa && adminRoute)) return true;
    const user = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (user?.amr.includes('mfa')) return true;
    throw insufficientUserAuthentication();
  }
}

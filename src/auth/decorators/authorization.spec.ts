import 'reflect-metadata';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../../common/problem';
import type { Principal } from '../principal';
import { Roles } from './roles.decorator';
import { RequiresMfa } from './step-up';
import { StepUpGuard } from './step-up.guard';

class Routes {
  @RequiresMfa() sensitive() {}
  @Roles('admin') admin() {}
  plain() {}
}

const principal = (amr: string[]): Principal => ({
  userId: 'u',
  sessionId: 's',
  roles: ['admin'],
  amr,
  expiresAt: 0,
});

function contextFor(handler: keyof Routes, user: Principal): ExecutionContext {
  return {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => ({ user }) }),
  } as unknown as ExecutionContext;
}

function verdict(guard: StepUpGuard, handler: keyof Routes, amr: string[]): true | string {
  try {
    return guard.canActivate(contextFor(handler, principal(amr))) as true;
  } catch (error) {
    return (error as ProblemException).code;
  }
}

describe('StepUpGuard', () => {
  const guardWith = (adminRequireMfa: boolean) =>
    new StepUpGuard(new Reflector(), { adminRequireMfa } as never);

  it('asks a route marked with { mfa: true } for mfa in amr (RFC 9470 step-up)', () => {
    const guard = guardWith(false);
    expect(verdict(guard, 'sensitive', ['pwd'])).toBe('insufficient_user_authentication');
    expect(verdict(guard, 'sensitive', ['pwd', 'otp', 'mfa'])).toBe(true);
    expect(verdict(guard, 'sensitive', ['pwd', 'mfa'])).toBe(true);
    expect(verdict(guard, 'plain', ['pwd'])).toBe(true);
  });

  it('asks every admin route for it only with AUTH_ADMIN_REQUIRE_MFA', () => {
    expect(verdict(guardWith(false), 'admin', ['pwd'])).toBe(true);
    expect(verdict(guardWith(true), 'admin', ['pwd'])).toBe('insufficient_user_authentication');
    expect(verdict(guardWith(true), 'admin', ['pwd', 'otp', 'mfa'])).toBe(true);
    expect(verdict(guardWith(true), 'plain', ['pwd'])).toBe(true);
  });

  it('says why in a WWW-Authenticate header', () => {
    try {
      guardWith(false).canActivate(contextFor('sensitive', principal(['pwd'])));
      throw new Error('not refused');
    } catch (error) {
      expect((error as ProblemException).getStatus()).toBe(401);
      expect((error as ProblemException).headers['www-authenticate']).toContain(
        'error="insufficient_user_authentication"',
      );
    }
  });
});

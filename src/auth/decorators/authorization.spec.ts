import 'reflect-metadata';
import { Controller } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { ProblemException } from '../../common/problem';
import type { Principal } from '../principal';
import { AccessTokenGuard } from '../tokens/access-token.guard';
import { AUTHORIZATION_KEY, authorizationOf, unmetAuthorization } from './authorization';
import { Authorized } from './authorized.decorator';
import { Roles } from './roles.decorator';

class Routes {
  @Authorized({ mfa: true }) sensitive() {}
  @Authorized('admin') admin() {}
  @Authorized({ roles: ['admin'], mfa: true }) adminWithMfa() {}
  @Authorized({ mfa: true }) @Roles('auditor') auditorWithMfa() {}
  @Roles('admin') rolesOnly() {}
  @Authorized() plain() {}
  unmarked() {}
}

@Authorized('admin')
@Controller()
class AdminRoutes {
  inherited() {}
  @Authorized({ mfa: true }) stepUp() {}
  @Authorized('auditor') auditor() {}
}

const principal = (amr: string[], roles = ['admin']): Principal => ({
  userId: 'u',
  sessionId: 's',
  roles,
  amr,
  expiresAt: 0,
});

const requirement = <T extends object>(controller: new () => T, handler: keyof T & string) =>
  authorizationOf(new Reflector(), controller.prototype[handler] as () => void, controller);

function verdict(handler: keyof Routes, user: Principal, adminRequireMfa = false): true | string {
  const required = requirement(Routes, handler);
  if (!required) return true;
  return unmetAuthorization(required, user, adminRequireMfa)?.code ?? true;
}

describe('@Authorized() and @Roles(): one requirement object', () => {
  it('writes one metadata object and one guard', () => {
    expect(Reflect.getMetadata(AUTHORIZATION_KEY, Routes.prototype.adminWithMfa)).toEqual({
      roles: ['admin'],
      mfa: true,
    });
    expect(Reflect.getMetadata(GUARDS_METADATA, Routes.prototype.adminWithMfa)).toEqual([
      AccessTokenGuard,
    ]);
  });

  it('reads every form: role names, { roles, mfa }, and @Roles() added to it', () => {
    expect(requirement(Routes, 'plain')).toEqual({ roles: [], mfa: false });
    expect(requirement(Routes, 'admin')).toEqual({ roles: ['admin'], mfa: false });
    expect(requirement(Routes, 'sensitive')).toEqual({ roles: [], mfa: true });
    expect(requirement(Routes, 'auditorWithMfa')).toEqual({ roles: ['auditor'], mfa: true });
    expect(requirement(Routes, 'rolesOnly')).toEqual({ roles: ['admin'], mfa: false });
    expect(requirement(Routes, 'unmarked')).toBeUndefined();
  });

  it("takes the class's requirement, the handler's roles over it, and mfa from either", () => {
    expect(requirement(AdminRoutes, 'inherited')).toEqual({ roles: ['admin'], mfa: false });
    expect(requirement(AdminRoutes, 'stepUp')).toEqual({ roles: ['admin'], mfa: true });
    expect(requirement(AdminRoutes, 'auditor')).toEqual({ roles: ['auditor'], mfa: false });
  });
});

describe('unmetAuthorization', () => {
  it('refuses a caller without one of the roles with 403 forbidden', () => {
    expect(verdict('admin', principal(['pwd'], ['user']))).toBe('forbidden');
    expect(verdict('adminWithMfa', principal(['pwd', 'mfa'], ['user']))).toBe('forbidden');
    expect(verdict('admin', principal(['pwd'], ['user', 'admin']))).toBe(true);
    expect(verdict('plain', principal(['pwd'], []))).toBe(true);
  });

  it('asks a route marked with { mfa: true } for mfa in amr (RFC 9470 step-up)', () => {
    expect(verdict('sensitive', principal(['pwd']))).toBe('insufficient_user_authentication');
    expect(verdict('sensitive', principal(['pwd', 'otp', 'mfa']))).toBe(true);
    expect(verdict('sensitive', principal(['pwd', 'mfa']))).toBe(true);
    expect(verdict('adminWithMfa', principal(['pwd']))).toBe('insufficient_user_authentication');
    expect(verdict('plain', principal(['pwd']))).toBe(true);
  });

  it('asks every admin route for it only with AUTH_ADMIN_REQUIRE_MFA', () => {
    expect(verdict('admin', principal(['pwd']), false)).toBe(true);
    expect(verdict('admin', principal(['pwd']), true)).toBe('insufficient_user_authentication');
    expect(verdict('rolesOnly', principal(['pwd']), true)).toBe('insufficient_user_authentication');
    expect(verdict('admin', principal(['pwd', 'otp', 'mfa']), true)).toBe(true);
    expect(verdict('plain', principal(['pwd']), true)).toBe(true);
  });

  it('says why in a WWW-Authenticate header', () => {
    const problem = unmetAuthorization(
      { roles: [], mfa: true },
      principal(['pwd']),
      false,
    ) as ProblemException;
    expect(problem.getStatus()).toBe(401);
    expect(problem.headers['www-authenticate']).toContain(
      'error="insufficient_user_authentication"',
    );
  });
});

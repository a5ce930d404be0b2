import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../../common/problem';
import { ROLES_KEY } from './roles.decorator';
import type { Principal } from '../principal';

/** Runs after AccessTokenGuard: the caller must hold one of the roles set by @Roles(). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required || required.length === 0) return true;
    const user = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (user && required.some((role) => user.roles.includes(role))) return true;
    throw new ProblemException(HttpStatus.FORBIDDEN, 'forbidden', 'a required role is missing');
  }
}

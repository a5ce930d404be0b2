import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Principal } from './principal';
import { problems, type ResourceProblem } from './problem';

/** The same metadata key as Latch's, so one requirement reads the same under either guard. */
export const AUTHORIZATION_KEY = 'latch:authorization';

/** What a route asks beyond a valid access token (written by `@Authorized()` and `@Roles()`). */
export interface Authorization {
  roles: readonly string[];
  mfa: boolean;
}

const NONE: Authorization = Object.freeze({ roles: Object.freeze([]), mfa: false });

type Target = ReturnType<ExecutionContext['getHandler']>;

/** Adds to the requirement of the class or method it decorates (as Latch's does). */
export function requireAuthorization(
  part: Partial<Authorization>,
): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const on = (descriptor?.value as object | undefined) ?? target;
    const own =
      (Reflect.getOwnMetadata(AUTHORIZATION_KEY, on) as Authorization | undefined) ?? NONE;
    Reflect.defineMetadata(
      AUTHORIZATION_KEY,
      {
        roles: [...new Set([...own.roles, ...(part.roles ?? [])])],
        mfa: own.mfa || part.mfa === true,
      },
      on,
    );
  };
}

/** The handler's roles override the class's; a second factor asked by either is asked. */
export function authorizationOf(
  reflector: Reflector,
  handler: Target,
  controller: Target,
): Authorization | undefined {
  const onHandler = reflector.get<Authorization | undefined>(AUTHORIZATION_KEY, handler);
  const onClass = reflector.get<Authorization | undefined>(AUTHORIZATION_KEY, controller);
  if (!onHandler || !onClass) return onHandler ?? onClass;
  return {
    roles: onHandler.roles.length > 0 ? onHandler.roles : onClass.roles,
    mfa: onHandler.mfa || onClass.mfa,
  };
}

/** 403 without one of the roles, then 401 insufficient_user_authentication without `mfa`. */
export function unmetAuthorization(
  required: Authorization,
  user: Principal,
  adminRequireMfa: boolean,
): ResourceProblem | undefined {
  const { roles } = required;
  if (roles.length > 0 && !roles.some((role) => user.roles.includes(role)))
    return problems.forbidden();
  const mfa = required.mfa || (adminRequireMfa && roles.includes('admin'));
  return mfa && !user.amr.includes('mfa') ? problems.insufficientUserAuthentication() : undefined;
}

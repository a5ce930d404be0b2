import { ExecutionContext, HttpStatus } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { ProblemException } from '../../common/problem';
import type { Principal } from '../principal';
import { insufficientUserAuthentication } from './step-up';

/** Metadata key of what a route asks of its caller beyond a valid access token. */
export const AUTHORIZATION_KEY = 'latch:authorization';

/**
 * What a route asks of its caller beyond a valid access token, written by `@Authorized()`
 * and `@Roles()` and enforced by AccessTokenGuard once the token is verified.
 */
export interface Authorization {
  /** At least one of these roles (none: any role). */
  roles: readonly string[];
  /** A session verified with a second factor (`mfa` in `amr`, RFC 9470 step-up). */
  mfa: boolean;
}

/** A route handler or controller class, as Nest names them. */
type Target = ReturnType<ExecutionContext['getHandler']>;

const NONE: Authorization = Object.freeze({ roles: Object.freeze([]), mfa: false });

/**
 * Adds to the requirement of the class or method it decorates (not replaces, so that
 * `@Authorized({ mfa: true }) @Roles('admin')` on one handler asks for both).
 */
export function requireAuthorization(
  part: Partial<Authorization>,
): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const on = (descriptor?.value as object | undefined) ?? target;
    const own =
      (Reflect.getOwnMetadata(AUTHORIZATION_KEY, on) as Authorization | undefined) ?? NONE;
    const merged: Authorization = {
      roles: [...new Set([...own.roles, ...(part.roles ?? [])])],
      mfa: own.mfa || part.mfa === true,
    };
    Reflect.defineMetadata(AUTHORIZATION_KEY, merged, on);
  };
}

/**
 * The requirement of the route being called. The handler's roles override the class's, as
 * Nest's `getAllAndOverride` would; a second factor asked by either is asked (so a handler's
 * `@Authorized({ mfa: true })` cannot drop its class's `@Authorized('admin')`).
 */
export function authorizationOf(
  reflector: Reflector,
  handler: Target,
  controller: Target,
): Authorization | undefined {
  // Metadata is written once, when the classes are declared: read it once per route.
  const known = resolved.get(handler);
  if (known && known.controller === controller) return known.authorization;
  const authorization = readAuthorization(reflector, handler, controller);
  resolved.set(handler, { controller, authorization });
  return authorization;
}

const resolved = new WeakMap<
  Target,
  { controller: Target; authorization: Authorization | undefined }
>();

function readAuthorization(
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

/**
 * The problem a caller who does not meet `required` gets, or undefined: 403 forbidden
 * without one of the roles, then 401 insufficient_user_authentication without the second
 * factor, which with AUTH_ADMIN_REQUIRE_MFA every route of the `admin` role asks for. No
 * user (logout with a session already over) meets nothing but an empty requirement.
 */
export function unmetAuthorization(
  required: Authorization,
  user: Principal | undefined,
  adminRequireMfa: boolean,
): ProblemException | undefined {
  const { roles } = required;
  if (roles.length > 0 && !roles.some((role) => user?.roles.includes(role))) {
    return new ProblemException(HttpStatus.FORBIDDEN, 'forbidden', 'a required role is missing');
  }
  const mfa = required.mfa || (adminRequireMfa && roles.includes('admin'));
  return mfa && !user?.amr.includes('mfa') ? insufficientUserAuthentication() : undefined;
}

import { MAIL_KINDS } from '../accounts/mail/templates';
import type { AuthEvent } from '../auth/events/auth-event';
import { LOGIN_METHODS, type LoginMethod } from '../auth/events/auth-signal';
import type { RevokeReason } from '../auth/revocation/session-revoker';

/**
 * The label values of docs/operations.md#metrics, and how events map to them. Every value is
 * one of a fixed list: an event that names something else is not counted rather than let an
 * unbounded (or personal) value into a label.
 */
export const METRIC_LOGIN_METHODS = LOGIN_METHODS;
export const LOGIN_OUTCOMES = [
  'success',
  'failure',
  'mfa_required',
  'locked',
  'disabled',
  'unverified',
] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];
export const REFRESH_OUTCOMES = ['rotated', 'grace', 'reused', 'invalid'] as const;
export const REVOKED_REASONS = [
  'logout',
  'logout_all',
  'deleted',
  'password',
  'reuse',
  'admin',
  'reset',
] as const;
export type RevokedReason = (typeof REVOKED_REASONS)[number];
export const RATE_LIMITED_LIMITS = ['login', 'refresh', 'lockout'] as const;

/**
 * The contract's seven reasons for the revoker's ten: a deleted session or account is
 * `deleted`; an administrator's disabling or role removal is `admin`; turning TOTP on ends
 * the other sessions as a password change does, so it is `password`. A new RevokeReason does
 * not compile until it is given one here.
 */
const REVOKED_REASON_OF: Record<RevokeReason, RevokedReason> = {
  logout: 'logout',
  logout_all: 'logout_all',
  session_deleted: 'deleted',
  account_deleted: 'deleted',
  password_changed: 'password',
  mfa_enabled: 'password',
  refresh_token_reused: 'reuse',
  password_reset: 'reset',
  account_disabled: 'admin',
  roles_changed: 'admin',
};

export function revokedReason(reason: unknown): RevokedReason | undefined {
  return typeof reason === 'string' && Object.hasOwn(REVOKED_REASON_OF, reason)
    ? REVOKED_REASON_OF[reason as RevokeReason]
    : undefined;
}

export function loginMethod(method: unknown): LoginMethod | undefined {
  return (LOGIN_METHODS as readonly unknown[]).includes(method)
    ? (method as LoginMethod)
    : undefined;
}

/** How a login event counts: `login.succeeded`, `login.failed`, or a wrong second-step code. */
export function loginLabels(
  event: Pick<AuthEvent, 'type' | 'detail'>,
): { method: LoginMethod; outcome: LoginOutcome } | undefined {
  if (event.type === 'mfa_failed') {
    return event.detail.step === 'login' ? { method: 'mfa', outcome: 'failure' } : undefined;
  }
  const method = loginMethod(event.detail.method);
  if (!method) return undefined; // not a sign-in (or an unknown method)
  if (event.type === 'login.succeeded') return { method, outcome: 'success' };
  if (event.type !== 'login.failed') return undefined;
  // A password asked again before a sensitive change is no sign-in.
  if (event.detail.step === 'confirm') return undefined;
  if (event.detail.reason === 'account_disabled') return { method, outcome: 'disabled' };
  if (event.detail.reason === 'email_not_verified') return { method, outcome: 'unverified' };
  return { method, outcome: 'failure' };
}

export function mailKind(kind: unknown): string | undefined {
  return (MAIL_KINDS as readonly unknown[]).includes(kind) ? (kind as string) : undefined;
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Requests no route matched (404s, scans): one series, never the raw path. */
export const UNMATCHED_ROUTE = 'unmatched';

export const httpMethod = (method: string) => (HTTP_METHODS.has(method) ? method : 'OTHER');

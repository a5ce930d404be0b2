import type { ClientContext } from '../client-context';

/** Everything that happens to credentials and sessions, as audit records and Nest events. */
export const AUTH_EVENT_TYPES = [
  'user.registered',
  'login.succeeded',
  'login.failed',
  'login.locked_out',
  'token.refreshed',
  'token.reuse_detected',
  'session.revoked',
  'password.changed',
  // accounts/ (v1.1): an administrator's changes and deletions, spelled as docs/api.md does
  'account_disabled',
  'account_enabled',
  'roles_changed',
  'account_deleted',
  // Accounts (v1.1), spelled as docs/api.md lists them.
  'email_verification_sent',
  'email_verified',
  'password_reset_requested',
  'password_reset',
  'email_change_requested',
  'email_changed',
  /** A mail the sender gave up on after its last attempt. */
  'mail_failed',
  // Second factor (v1.1), spelled as docs/api.md lists them.
  'mfa_enabled',
  'mfa_disabled',
  /** A wrong code: at confirm, at the second step of a login, or to turn TOTP off. */
  'mfa_failed',
  'recovery_code_used',
  // Identity providers (v1.2), spelled as docs/api.md lists them.
  'oidc_login',
  'identity_linked',
  'identity_unlinked',
  // Passkeys (v1.2), spelled as docs/api.md lists them.
  'passkey_added',
  'passkey_removed',
  'passkey_login',
  /** A valid signature whose counter did not grow: the authenticator may have been cloned. */
  'passkey_clone_suspected',
] as const;
export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

/**
 * One event. Never holds a secret: no password, token or hash, only ids, the client's
 * address and user agent, and a small detail such as a revocation reason.
 */
export interface AuthEvent {
  type: AuthEventType;
  at: Date;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, string | number>;
}

/** The Nest event name for a type: subscribe with `@OnEvent('auth.login.succeeded')` or `'auth.**'`. */
export const authEventName = (type: AuthEventType) => `auth.${type}`;

export interface AuthEventInput {
  userId?: string | null;
  sessionId?: string | null;
  context?: ClientContext;
  detail?: Record<string, string | number>;
}

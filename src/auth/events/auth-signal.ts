/** How a user signs in, as `login.succeeded` / `login.failed` name it in `detail.method`. */
export const LOGIN_METHODS = ['password', 'mfa', 'passkey', 'oidc'] as const;
export type LoginMethod = (typeof LOGIN_METHODS)[number];

/**
 * Moments worth counting that are not audit records: nothing is written to `auth_events`
 * for them (a 429 or a hash timing per request would flood the trail). The metrics count
 * them beside the audit events; a host may subscribe too (`@OnEvent('latch.signal.**')`).
 * Like the events, they carry no id, address or secret.
 */
export interface AuthSignals {
  /** A right password of an account whose second factor is on: the second step decides. */
  'login.mfa_required': { method: LoginMethod };
  /** A sign-in refused with 429 because the email is locked out. */
  'login.locked': { method: LoginMethod };
  /** A spent refresh token presented again inside the grace window: its successor again. */
  'refresh.grace': Record<string, never>;
  /** A refresh refused: `reused` (401 refresh_token_reused) or `invalid` (401 invalid_grant). */
  'refresh.refused': { outcome: 'reused' | 'invalid' };
  /** A request refused with 429 by a rate-limit budget (rate-limit/) or by the login lockout. */
  rate_limited: { limit: 'login' | 'refresh' | 'lockout' };
  /** One argon2 computation (hash or verify), its waiting for a slot not included. */
  'password.hashed': { seconds: number };
  /** A mail the transport accepted. */
  'mail.sent': { kind: string };
}
export type AuthSignalName = keyof AuthSignals;

/** The Nest event name of a signal: `latch.signal.refresh.grace`. */
export const authSignalName = (name: AuthSignalName) => `latch.signal.${name}`;

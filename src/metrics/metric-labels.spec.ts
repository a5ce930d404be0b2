import type { AuthEvent } from '../auth/events/auth-event';
import { httpMethod, loginLabels, mailKind, revokedReason, REVOKED_REASONS } from './metric-labels';

const event = (type: AuthEvent['type'], detail: AuthEvent['detail'] = {}) => ({ type, detail });

describe('metric labels', () => {
  it('maps sign-in events to method and outcome, for every method the contract names', () => {
    for (const method of ['password', 'mfa', 'passkey', 'oidc']) {
      expect(loginLabels(event('login.succeeded', { method }))).toEqual({
        method,
        outcome: 'success',
      });
      expect(loginLabels(event('login.failed', { method }))).toEqual({
        method,
        outcome: 'failure',
      });
      expect(loginLabels(event('login.failed', { method, reason: 'account_disabled' }))).toEqual({
        method,
        outcome: 'disabled',
      });
      expect(loginLabels(event('login.failed', { method, reason: 'email_not_verified' }))).toEqual({
        method,
        outcome: 'unverified',
      });
    }
    // An identity provider's own refusal reason is a failure, not a label of its own.
    expect(
      loginLabels(event('login.failed', { method: 'oidc', reason: 'provider_error' })),
    ).toEqual({ method: 'oidc', outcome: 'failure' });
  });

  it('counts a wrong second-step code at login, not at enrolment or when turning TOTP off', () => {
    expect(loginLabels(event('mfa_failed', { step: 'login' }))).toEqual({
      method: 'mfa',
      outcome: 'failure',
    });
    expect(loginLabels(event('mfa_failed', { step: 'confirm' }))).toBeUndefined();
    expect(loginLabels(event('mfa_failed', { step: 'disable' }))).toBeUndefined();
  });

  it('counts nothing for a password confirmation, an unknown method or another event', () => {
    expect(
      loginLabels(event('login.failed', { method: 'password', step: 'confirm' })),
    ).toBeUndefined();
    expect(loginLabels(event('login.succeeded', {}))).toBeUndefined();
    expect(loginLabels(event('login.succeeded', { method: 'a@example.com' }))).toBeUndefined();
    expect(loginLabels(event('token.refreshed', { method: 'password' }))).toBeUndefined();
  });

  it("maps every revocation reason onto the contract's seven, and nothing else", () => {
    expect(
      Object.fromEntries(
        [
          'logout',
          'logout_all',
          'session_deleted',
          'account_deleted',
          'password_changed',
          'mfa_enabled',
          'refresh_token_reused',
          'password_reset',
          'account_disabled',
          'roles_changed',
        ].map((reason) => [reason, revokedReason(reason)]),
      ),
    ).toEqual({
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
    });
    expect(REVOKED_REASONS).toHaveLength(7);
    expect(revokedReason('toString')).toBeUndefined();
    expect(revokedReason(undefined)).toBeUndefined();
  });

  it('keeps label values to fixed sets: mail kinds and HTTP methods', () => {
    expect(mailKind('verify_email')).toBe('verify_email');
    expect(mailKind('<script>')).toBeUndefined();
    expect(httpMethod('GET')).toBe('GET');
    expect(httpMethod('PROPFIND')).toBe('OTHER');
  });
});

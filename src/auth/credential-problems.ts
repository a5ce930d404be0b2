import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../common/problem';

export const invalidCredentials = () =>
  new ProblemException(
    HttpStatus.UNAUTHORIZED,
    'invalid_credentials',
    'email or password is wrong',
  );

/** Why a right password opens no session. */
export type AccountRefusal = 'account_disabled' | 'email_not_verified';

export const accountRefused = (code: AccountRefusal) =>
  new ProblemException(
    HttpStatus.FORBIDDEN,
    code,
    code === 'account_disabled'
      ? 'this account has been disabled'
      : 'the e-mail address of this account is not verified yet',
  );

/**
 * The one error body that carries a token (docs/api.md): the second step's `mfaToken`, with
 * the `factors` that can answer it (from `totp`, `recovery_code`, `passkey`).
 */
export const mfaRequired = (mfaToken: string, factors: readonly string[]) =>
  new ProblemException(
    HttpStatus.UNAUTHORIZED,
    'mfa_required',
    'the password is right; send a TOTP or recovery code to POST /auth/login/mfa, or a ' +
      'passkey to POST /auth/login/mfa/passkey',
    {},
    undefined,
    { mfaToken, factors: [...factors] },
  );

/** Removing the last passkey or linked identity of an account without a password. */
export const lastSignInMethod = () =>
  new ProblemException(
    HttpStatus.CONFLICT,
    'last_sign_in_method',
    'this is the last way to sign in to this account; add a password, a passkey or a provider first',
  );

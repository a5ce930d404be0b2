import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../../common/problem';

export const invalidToken = (detail = 'access token is invalid') =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'invalid_token', detail, {
    'www-authenticate': 'Bearer error="invalid_token"',
  });

export const missingToken = () =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'missing_token', 'an access token is required', {
    'www-authenticate': 'Bearer',
  });

export const tokenExpired = () =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'token_expired', 'access token has expired', {
    'www-authenticate': 'Bearer error="invalid_token", error_description="expired"',
  });

export const invalidGrant = (detail = 'refresh token is invalid or expired') =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'invalid_grant', detail);

export const sessionRevoked = () =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'session_revoked', 'this session has ended', {
    'www-authenticate': 'Bearer error="invalid_token", error_description="revoked"',
  });

/** Maps whatever passport-jwt / jsonwebtoken reported to the contract's codes. */
export function accessTokenFailure(reason: unknown): ProblemException {
  if (reason instanceof ProblemException) return reason;
  const { name, message } = (reason ?? {}) as { name?: string; message?: string };
  if (name === 'TokenExpiredError') return tokenExpired();
  if (message === 'No auth token') return missingToken();
  return invalidToken();
}

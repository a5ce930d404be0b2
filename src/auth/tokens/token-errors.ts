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

export const sessionRevoked = () =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'session_revoked', 'this session has ended', {
    'www-authenticate': 'Bearer error="invalid_token", error_description="revoked"',
  });

/**
 * Why an access token is refused, as a value: AccessTokenStrategy hands one to Passport's
 * `fail()`, and AccessTokenGuard answers with its problem. Code that must tell refusals apart
 * compares them by identity (`refusal === AccessTokenRefusal.revoked`), never by a code string.
 */
export class AccessTokenRefusal {
  static readonly missing = new AccessTokenRefusal(missingToken);
  static readonly invalid = new AccessTokenRefusal(() => invalidToken());
  static readonly notAccessToken = new AccessTokenRefusal(() =>
    invalidToken('not an access token'),
  );
  static readonly unknownKey = new AccessTokenRefusal(() => invalidToken('unknown signing key'));
  static readonly malformedClaims = new AccessTokenRefusal(() =>
    invalidToken('access token claims are malformed'),
  );
  static readonly expired = new AccessTokenRefusal(tokenExpired);
  static readonly revoked = new AccessTokenRefusal(sessionRevoked);

  private constructor(
    /** The 401 problem this refusal is answered with (a new exception on every call). */
    readonly problem: () => ProblemException,
  ) {}
}

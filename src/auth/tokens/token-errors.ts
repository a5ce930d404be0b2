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

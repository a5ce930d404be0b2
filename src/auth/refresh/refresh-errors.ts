import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../../common/problem';

export const invalidGrant = (detail = 'refresh token is invalid or expired') =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'invalid_grant', detail);

export const refreshTokenReused = () =>
  new ProblemException(
    HttpStatus.UNAUTHORIZED,
    'refresh_token_reused',
    'this refresh token was already used; the session has been revoked',
  );

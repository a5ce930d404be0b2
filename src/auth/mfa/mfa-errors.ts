import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../../common/problem';
import { invalidGrant } from '../refresh/refresh-errors';

export const invalidMfaCode = () =>
  new ProblemException(
    HttpStatus.UNAUTHORIZED,
    'invalid_mfa_code',
    'the code is wrong, outside its time window or already used',
  );

export const mfaAlreadyEnabled = () =>
  new ProblemException(HttpStatus.CONFLICT, 'mfa_already_enabled', 'TOTP is already on');

export const totpNotEnabled = () =>
  new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'TOTP is not on for this account');

export const noPendingEnrolment = () =>
  new ProblemException(
    HttpStatus.NOT_FOUND,
    'not_found',
    'no TOTP enrolment was started (POST /auth/mfa/totp first)',
  );

export const invalidMfaToken = () =>
  invalidGrant('the mfaToken is invalid, used or expired; log in again');

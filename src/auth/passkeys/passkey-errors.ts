import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../../common/problem';

/** A response that failed verification: 400 at registration and sign-up, 401 at sign-in. */
export const invalidPasskey = (at: 'registration' | 'sign_in') =>
  new ProblemException(
    at === 'registration' ? HttpStatus.BAD_REQUEST : HttpStatus.UNAUTHORIZED,
    'invalid_passkey',
    at === 'registration'
      ? 'the passkey response could not be verified; ask for new options and try again'
      : 'the passkey could not be verified; ask for new options and try again',
  );

export const passkeyExists = () =>
  new ProblemException(HttpStatus.CONFLICT, 'passkey_exists', 'this passkey is registered already');

export const passkeyLimit = (limit: number) =>
  new ProblemException(
    HttpStatus.CONFLICT,
    'passkey_limit',
    `an account holds at most ${limit} passkeys; delete one first`,
  );

export const passkeyNotFound = () =>
  new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'no such passkey');

import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../../common/problem';

/** RFC 9470: the token is valid, but the user must authenticate with more (a second factor). */
export const insufficientUserAuthentication = () =>
  new ProblemException(
    HttpStatus.UNAUTHORIZED,
    'insufficient_user_authentication',
    'this route needs a session verified with a second factor; sign in with your TOTP code',
    {
      'www-authenticate':
        'Bearer error="insufficient_user_authentication", ' +
        'error_description="a second factor is required"',
    },
  );

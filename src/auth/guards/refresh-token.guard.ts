import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ProblemException } from '../../common/problem';
import { invalidGrant } from '../strategies/refresh-credentials';
import { REFRESH_TOKEN_STRATEGY } from '../strategies/refresh-token.strategy';

/** `@UseGuards(RefreshTokenGuard)`: a well-formed refresh token from an allowed transport. */
@Injectable()
export class RefreshTokenGuard extends AuthGuard(REFRESH_TOKEN_STRATEGY) {
  override handleRequest<T>(error: unknown, user: T): T {
    if (error instanceof ProblemException) throw error;
    if (error) throw error;
    if (!user) throw invalidGrant();
    return user;
  }
}

import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { invalidGrant } from './refresh-errors';
import { REFRESH_TOKEN_STRATEGY } from './refresh-token.strategy';

/** `@UseGuards(RefreshTokenGuard)`: a well-formed refresh token from an allowed transport. */
@Injectable()
export class RefreshTokenGuard extends AuthGuard(REFRESH_TOKEN_STRATEGY) {
  override handleRequest<T>(error: unknown, user: T): T {
    if (error instanceof Error) throw error; // ProblemExceptions from the strategy included
    if (error || !user) throw invalidGrant();
    return user;
  }
}

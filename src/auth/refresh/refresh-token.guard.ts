import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AuthEventBus } from '../events/auth-event-bus';
import { RefreshCredentials, RefreshRefusal } from './refresh-credentials';
import { REFRESH_TOKEN_STRATEGY } from './refresh-token.strategy';

/** `@UseGuards(RefreshTokenGuard)`: a well-formed refresh token from an allowed transport. */
@Injectable()
export class RefreshTokenGuard extends AuthGuard(REFRESH_TOKEN_STRATEGY) {
  constructor(private readonly events: AuthEventBus) {
    super();
  }

  override handleRequest<TUser = RefreshCredentials>(
    error: unknown,
    user: TUser | false,
    info: unknown,
  ) {
    if (error instanceof Error) throw error; // ProblemExceptions from the strategy included
    if (!error && user) return user;
    return this.refused(info instanceof RefreshRefusal ? info : RefreshRefusal.malformed) as TUser;
  }

  /** The answer to a request without usable credentials: 401 invalid_grant. */
  protected refused(refusal: RefreshRefusal): RefreshCredentials | undefined {
    this.events.signal('refresh.refused', { outcome: 'invalid' });
    throw refusal.problem();
  }
}

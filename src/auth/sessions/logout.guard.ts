import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../principal';
import {
  RefreshCredentials,
  RefreshCredentialsReader,
  RefreshRefusal,
} from '../refresh/refresh-credentials';
import { RefreshTokenGuard } from '../refresh/refresh-token.guard';
import { AccessTokenGuard } from '../tokens/access-token.guard';
import { AccessTokenRefusal } from '../tokens/token-errors';

/** RefreshTokenGuard for logout: a token that names no session leaves nothing to end. */
@Injectable()
export class LogoutRefreshTokenGuard extends RefreshTokenGuard {
  protected override refused(_refusal: RefreshRefusal): RefreshCredentials | undefined {
    return undefined;
  }
}

/** AccessTokenGuard for logout: a token whose session is over leaves nothing to end. */
@Injectable()
export class LogoutAccessTokenGuard extends AccessTokenGuard {
  protected override refused(refusal: AccessTokenRefusal): Principal | undefined {
    return refusal === AccessTokenRefusal.revoked ? undefined : super.refused(refusal);
  }
}

/**
 * Logout accepts a refresh token (body or cookie) or, failing that, an access token. A
 * token whose session is already over still logs out (204): there is nothing left to end,
 * and `request.user` stays undefined. Which refusals mean that is decided by the two guards'
 * variants above, from the strategies' refusal values.
 */
@Injectable()
export class LogoutGuard implements CanActivate {
  constructor(
    private readonly reader: RefreshCredentialsReader,
    private readonly refreshGuard: LogoutRefreshTokenGuard,
    private readonly accessGuard: LogoutAccessTokenGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const guard =
      this.reader.presented(request) !== undefined ? this.refreshGuard : this.accessGuard;
    return (await guard.canActivate(context)) as boolean;
  }
}

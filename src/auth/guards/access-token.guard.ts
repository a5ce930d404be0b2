import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../principal';
import { RevokedSessions } from '../sessions/revoked-sessions';
import { ACCESS_TOKEN_STRATEGY } from '../strategies/access-token.strategy';
import { bearerToken } from '../tokens/bearer';
import { accessTokenFailure, sessionRevoked } from '../tokens/token-errors';
import { VerifiedTokenCache } from '../tokens/verified-token-cache';

/**
 * `@UseGuards(AccessTokenGuard)`: a valid, unexpired, unrevoked access token. A token seen
 * before skips Passport and the signature check (it is byte-for-byte the one verified) but
 * never the expiry or revocation checks.
 */
@Injectable()
export class AccessTokenGuard extends AuthGuard(ACCESS_TOKEN_STRATEGY) {
  constructor(
    private readonly verified: VerifiedTokenCache,
    private readonly revoked: RevokedSessions,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const token = bearerToken(request.headers.authorization);
    const principal = token ? this.verified.get(token) : undefined;
    if (!principal) return (await super.canActivate(context)) as boolean;
    const known = this.revoked.knownState(principal.sessionId);
    if (known ?? (await this.revoked.isRevoked(principal.sessionId))) throw sessionRevoked();
    request.user = principal;
    return true;
  }

  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    if (error || !user) throw accessTokenFailure(error ?? info);
    return user;
  }
}

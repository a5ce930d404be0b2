import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../principal';
import { AccessTokenVerifier } from './access-token-verifier';
import { ACCESS_TOKEN_STRATEGY } from './access-token.strategy';
import { bearerToken } from './bearer';

/**
 * `@UseGuards(AccessTokenGuard)`: a valid, unexpired, unrevoked access token; the caller
 * becomes `request.user`. It calls the verifier behind AccessTokenStrategy directly rather
 * than through passport.authenticate, whose per-request machinery costs more than a cached
 * check on this route (see bench/README.md); the decision is the verifier's either way.
 */
@Injectable()
export class AccessTokenGuard extends AuthGuard(ACCESS_TOKEN_STRATEGY) {
  constructor(private readonly verifier: AccessTokenVerifier) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    request.user = await this.verifier.verify(bearerToken(request.headers.authorization));
    return true;
  }
}

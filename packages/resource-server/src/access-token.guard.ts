import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { authorizationOf, unmetAuthorization } from './authorization';
import { RESOLVED_OPTIONS, type ResolvedResourceOptions } from './options';
import type { Principal } from './principal';
import { problems } from './problem';
import { Revocations } from './revocations';
import { TokenVerifier } from './token-verifier';

const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The request as both Express and Fastify hand it to a guard. */
interface GuardedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: Principal;
}

/**
 * `@UseGuards(AccessTokenGuard)` (or `@Authorized()`), as inside Latch: a Bearer access token
 * verified here (signature by Latch's JWKS, `typ`, `iss`, `aud`, `exp`), its session not one
 * the revocation feed reported (and, with `onFeedLoss: 'reject'`, the feed live), then the
 * route's `{ roles, mfa }`; the caller becomes `request.user`.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly revocations: Revocations,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedResourceOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (!token) throw problems.missingToken();
    const verification = await this.verifier.verify(token);
    switch (verification.kind) {
      case 'invalid':
        throw problems.invalidToken(verification.detail);
      case 'expired':
        throw problems.tokenExpired();
      case 'unavailable':
        throw problems.unavailable("Latch's signing keys cannot be fetched; retry shortly");
    }
    const principal = verification.principal;
    switch (this.revocations.verdict(principal.sessionId)) {
      case 'revoked':
        throw problems.sessionRevoked();
      case 'unverifiable':
        throw problems.unavailable('revocations cannot be checked right now; retry shortly');
    }
    const required = authorizationOf(this.reflector, context.getHandler(), context.getClass());
    const problem =
      required && unmetAuthorization(required, principal, this.options.adminRequireMfa);
    if (problem) throw problem;
    request.user = principal;
    return true;
  }
}

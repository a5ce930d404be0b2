import { Inject, Injectable } from '@nestjs/common';
import { TokenExpiredError } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import { isUuid } from '../../common/uuid';

import type { Principal } from '../principal';
import { RevokedSessionSet } from '../revocation/revoked-session-set';
import { ACCESS_TOKEN_TYPE, AccessTokenClaims, AMR_PASSWORD } from './access-token-claims';
import { bearerToken, decodeJoseHeader } from './bearer';
import { SigningKeys } from './signing-keys';
import { AccessTokenRefusal } from './token-errors';
import { VerifiedTokenCache } from './verified-token-cache';
import { JWT_SETTINGS, JwtSettings } from '../../latch.settings';

export const ACCESS_TOKEN_STRATEGY = 'access-token';

const ACCEPTED_TYPES = new Set([ACCESS_TOKEN_TYPE, `application/${ACCESS_TOKEN_TYPE}`]);

/** What validate() answers: the caller, or why the token is refused (Passport's fail info). */
type Validated = Principal | [false, AccessTokenRefusal];

/**
 * Every rule about accepting an access token, as a passport-jwt strategy, in order: the
 * `Authorization: Bearer` header (RFC 6750), the JOSE header (`typ: at+jwt`, then a known
 * `kid`, whose key is the only one tried), the signature with only the configured algorithm,
 * `iss`, `aud`, `exp` (small leeway), the claim shapes, and finally that its session lives.
 *
 * A token verified before is found in the VerifiedTokenCache (byte-for-byte the same token)
 * and skips the signature, never the revocation check: `authenticate` answers a hit itself and
 * falls through to passport-jwt on a miss. Refusals are AccessTokenRefusal values handed to
 * Passport's `fail()`; AccessTokenGuard turns them into the problems of token-errors.ts.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, ACCESS_TOKEN_STRATEGY) {
  constructor(
    keys: SigningKeys,
    private readonly cache: VerifiedTokenCache,
    private readonly revoked: RevokedSessionSet,
    @Inject(JWT_SETTINGS) private readonly jwt: JwtSettings,
  ) {
    super({
      jwtFromRequest: (request: FastifyRequest) =>
        bearerToken(request.headers.authorization) ?? null,
      // passport-jwt hands the raw token over, so the header picks the key before any check.
      secretOrKeyProvider: (_request: unknown, token: string, done) => {
        const header = decodeJoseHeader(token);
        const typ = typeof header?.typ === 'string' ? header.typ.toLowerCase() : '';
        if (!ACCEPTED_TYPES.has(typ)) return done(AccessTokenRefusal.notAccessToken);
        const key = keys.verificationKey(header?.kid);
        if (!key) return done(AccessTokenRefusal.unknownKey);
        // jsonwebtoken takes a KeyObject (parsed once, not per request); the types lag.
        done(null, key as unknown as Buffer);
      },
      algorithms: [jwt.algorithm],
      issuer: jwt.issuer,
      audience: jwt.audience,
      jsonWebTokenOptions: { clockTolerance: jwt.clockToleranceSeconds },
      passReqToCallback: true,
    });
  }

  /**
   * Passport calls this on a fresh object per request (its success/fail/error are bound to
   * that request). A cached token is answered here without a promise when the revoked set
   * knows its session; anything else goes through passport-jwt.
   */
  // Passport's types name Express's request; under Fastify it is a FastifyRequest.
  override authenticate(request: never, options?: object): void {
    const token = bearerToken((request as FastifyRequest).headers.authorization);
    if (!token) return this.fail(AccessTokenRefusal.missing, 401);
    const principal = this.cache.get(token);
    if (!principal) return super.authenticate(request, options);
    const known = this.revoked.knownState(principal.sessionId);
    if (known === false) return this.success(principal);
    if (known) return this.fail(AccessTokenRefusal.revoked, 401);
    this.revoked.isRevoked(principal.sessionId).then(
      (revoked) => (revoked ? this.fail(AccessTokenRefusal.revoked, 401) : this.success(principal)),
      (error: Error) => this.error(error),
    );
  }

  /** After passport-jwt verified the signature and the registered claims. */
  async validate(request: FastifyRequest, claims: Partial<AccessTokenClaims>): Promise<Validated> {
    const principal = principalOf(claims);
    if (!principal) return [false, AccessTokenRefusal.malformedClaims];
    const token = bearerToken(request.headers.authorization);
    if (token) this.cache.put(token, principal, this.jwt.clockToleranceSeconds);
    const known = this.revoked.knownState(principal.sessionId);
    if (known ?? (await this.revoked.isRevoked(principal.sessionId))) {
      return [false, AccessTokenRefusal.revoked];
    }
    return principal;
  }
}

/**
 * The refusal behind what Passport reports for this strategy: one of ours, or an error of
 * jsonwebtoken's (only an expired token has its own answer; anything else is invalid).
 */
export function refusalOf(info: unknown): AccessTokenRefusal {
  if (info instanceof AccessTokenRefusal) return info;
  if (info instanceof TokenExpiredError) return AccessTokenRefusal.expired;
  return AccessTokenRefusal.invalid;
}

function principalOf(claims: Partial<AccessTokenClaims>): Principal | undefined {
  const { sub, sid, roles, exp, jti } = claims;
  // Tokens signed before the second factor existed carry no `amr`: they came from a password.
  const amr = claims.amr ?? AMR_PASSWORD;
  const wellFormed =
    isUuid(sub) &&
    isUuid(sid) &&
    typeof jti === 'string' &&
    typeof exp === 'number' &&
    Array.isArray(roles) &&
    roles.every((role) => typeof role === 'string') &&
    Array.isArray(amr) &&
    amr.every((method) => typeof method === 'string');
  return wellFormed ? { userId: sub, sessionId: sid, roles, amr, expiresAt: exp } : undefined;
}

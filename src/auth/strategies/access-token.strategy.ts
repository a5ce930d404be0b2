import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import { isUuid } from '../../common/uuid';
import { jwtConfig } from '../../config/namespaces';
import { AccessTokenClaims, Principal } from '../principal';
import { RevokedSessions } from '../sessions/revoked-sessions';
import { ACCESS_TOKEN_TYPE } from '../tokens/access-token.service';
import { bearerToken, decodeJoseHeader } from '../tokens/bearer';
import { SigningKeys } from '../tokens/signing-keys';
import { invalidToken, sessionRevoked } from '../tokens/token-errors';
import { VerifiedTokenCache } from '../tokens/verified-token-cache';

export const ACCESS_TOKEN_STRATEGY = 'access-token';
const ACCEPTED_TYPES = new Set([ACCESS_TOKEN_TYPE, `application/${ACCESS_TOKEN_TYPE}`]);

/**
 * Verifies an access token: only the configured algorithm, `typ: at+jwt`, a known `kid`,
 * `iss`, `aud`, `exp` (small leeway), the claim shapes, and finally that its session lives.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, ACCESS_TOKEN_STRATEGY) {
  constructor(
    keys: SigningKeys,
    @Inject(jwtConfig.KEY) private readonly jwt: ConfigType<typeof jwtConfig>,
    private readonly revoked: RevokedSessions,
    private readonly verified: VerifiedTokenCache,
  ) {
    super({
      jwtFromRequest: (request: FastifyRequest) =>
        bearerToken(request.headers.authorization) ?? null,
      secretOrKeyProvider: (
        _request: unknown,
        rawJwt: string,
        done: (error: unknown, key?: string | Buffer) => void,
      ) => {
        const header = decodeJoseHeader(rawJwt);
        const typ = typeof header?.typ === 'string' ? header.typ.toLowerCase() : '';
        if (!ACCEPTED_TYPES.has(typ)) return done(invalidToken('not an access token'));
        const key = keys.verificationKey(header?.kid);
        if (!key) return done(invalidToken('unknown signing key'));
        // jsonwebtoken takes a KeyObject too (parsed once, not per request); the types lag.
        done(null, key as unknown as Buffer);
      },
      algorithms: [jwt.algorithm],
      issuer: jwt.issuer,
      audience: jwt.audience,
      jsonWebTokenOptions: { clockTolerance: jwt.clockToleranceSeconds },
      passReqToCallback: true,
    });
  }

  async validate(request: FastifyRequest, claims: Partial<AccessTokenClaims>): Promise<Principal> {
    const { sub, sid, roles, exp, jti } = claims;
    const wellFormed =
      isUuid(sub) &&
      isUuid(sid) &&
      typeof jti === 'string' &&
      typeof exp === 'number' &&
      Array.isArray(roles) &&
      roles.every((role) => typeof role === 'string');
    if (!wellFormed) throw invalidToken('access token claims are malformed');
    if (await this.revoked.isRevoked(sid)) throw sessionRevoked();
    const principal: Principal = { userId: sub, sessionId: sid, roles, expiresAt: exp };
    const token = bearerToken(request.headers.authorization);
    if (token) this.verified.put(token, principal, this.jwt.clockToleranceSeconds);
    return principal;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { isUuid } from '../../common/uuid';

import type { Principal } from '../principal';
import { RevokedSessionSet } from '../revocation/revoked-session-set';
import { ACCESS_TOKEN_TYPE, AccessTokenClaims, AMR_PASSWORD } from './access-token-claims';
import { decodeJoseHeader } from './bearer';
import { SigningKeys } from './signing-keys';
import { invalidToken, missingToken, sessionRevoked, tokenExpired } from './token-errors';
import { VerifiedTokenCache } from './verified-token-cache';
import { JWT_SETTINGS, JwtSettings } from '../../latch.settings';

const ACCEPTED_TYPES = new Set([ACCESS_TOKEN_TYPE, `application/${ACCESS_TOKEN_TYPE}`]);

/**
 * Every rule about accepting an access token, in order: header (`typ: at+jwt`, a known
 * `kid`), signature with only the configured algorithm, `iss`, `aud`, `exp` (small leeway),
 * the claim shapes, and finally that its session lives. A token verified before is found in
 * the cache (byte-for-byte the same token) and skips the signature, never the revocation check.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly keys: SigningKeys,
    private readonly jwtService: JwtService,
    private readonly cache: VerifiedTokenCache,
    private readonly revoked: RevokedSessionSet,
    @Inject(JWT_SETTINGS) private readonly jwt: JwtSettings,
  ) {}

  /** The caller proven by `token` (undefined: none was presented), or a 401 problem. */
  async verify(token: string | undefined): Promise<Principal> {
    if (!token) throw missingToken();
    let principal = this.cache.get(token);
    if (!principal) {
      principal = this.verifySignedToken(token);
      this.cache.put(token, principal, this.jwt.clockToleranceSeconds);
    }
    const known = this.revoked.knownState(principal.sessionId);
    if (known ?? (await this.revoked.isRevoked(principal.sessionId))) throw sessionRevoked();
    return principal;
  }

  private verifySignedToken(token: string): Principal {
    const header = decodeJoseHeader(token);
    const typ = typeof header?.typ === 'string' ? header.typ.toLowerCase() : '';
    if (!ACCEPTED_TYPES.has(typ)) throw invalidToken('not an access token');
    const key = this.keys.verificationKey(header?.kid);
    if (!key) throw invalidToken('unknown signing key');
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = this.jwtService.verify<Partial<AccessTokenClaims>>(token, {
        // jsonwebtoken takes a KeyObject (parsed once, not per request); the types lag.
        publicKey: key as unknown as Buffer,
        algorithms: [this.jwt.algorithm],
        issuer: this.jwt.issuer,
        audience: this.jwt.audience,
        clockTolerance: this.jwt.clockToleranceSeconds,
      });
    } catch (error) {
      throw error instanceof TokenExpiredError ? tokenExpired() : invalidToken();
    }
    return principalOf(claims);
  }
}

function principalOf(claims: Partial<AccessTokenClaims>): Principal {
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
  if (!wellFormed) throw invalidToken('access token claims are malformed');
  return { userId: sub, sessionId: sid, roles, amr, expiresAt: exp };
}

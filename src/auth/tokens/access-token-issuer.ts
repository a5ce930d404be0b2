import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';

import { ACCESS_TOKEN_TYPE } from './access-token-claims';
import { SigningKeys } from './signing-keys';
import { AUTH_SETTINGS, AuthSettings, JWT_SETTINGS, JwtSettings } from '../../latch.settings';

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
}

/** Signs access tokens (RFC 9068 shape) with the newest key of the ring. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly jwtService: JwtService,
    private readonly keys: SigningKeys,
    @Inject(JWT_SETTINGS) private readonly jwt: JwtSettings,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  /**
   * A token for AUTH_ACCESS_TTL seconds, but never past `notAfter` (when its session ends):
   * `exp` = min(iat + AUTH_ACCESS_TTL, notAfter), and `expiresIn` = exp - iat.
   */
  issue(
    userId: string,
    sessionId: string,
    claims: { roles: string[]; amr: string[] },
    notAfter: Date,
  ): IssuedAccessToken {
    const key = this.keys.current;
    const iat = Math.floor(Date.now() / 1000);
    const exp = Math.max(
      iat,
      Math.min(iat + this.auth.accessTtl, Math.floor(notAfter.getTime() / 1000)),
    );
    const token = this.jwtService.sign(
      { sid: sessionId, roles: claims.roles, amr: claims.amr, iat, exp },
      {
        algorithm: key.alg,
        privateKey: key.privateKey,
        keyid: key.kid,
        header: { alg: key.alg, typ: ACCESS_TOKEN_TYPE, kid: key.kid },
        issuer: this.jwt.issuer,
        audience: this.jwt.audience,
        subject: userId,
        jwtid: randomUUID(),
      },
    );
    return { token, expiresIn: exp - iat };
  }
}

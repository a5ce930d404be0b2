import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { authConfig, jwtConfig } from '../../config/namespaces';
import { ACCESS_TOKEN_TYPE } from './access-token-claims';
import { SigningKeys } from './signing-keys';

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
    @Inject(jwtConfig.KEY) private readonly jwt: ConfigType<typeof jwtConfig>,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {}

  issue(userId: string, sessionId: string, roles: string[]): IssuedAccessToken {
    const key = this.keys.current;
    const token = this.jwtService.sign(
      { sid: sessionId, roles },
      {
        algorithm: key.alg,
        privateKey: key.privateKey,
        keyid: key.kid,
        header: { alg: key.alg, typ: ACCESS_TOKEN_TYPE, kid: key.kid },
        issuer: this.jwt.issuer,
        audience: this.jwt.audience,
        subject: userId,
        jwtid: randomUUID(),
        expiresIn: this.auth.accessTtl,
      },
    );
    return { token, expiresIn: this.auth.accessTtl };
  }
}

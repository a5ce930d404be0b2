import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { TokenResponse } from './dto/token-response.dto';
import { IssuedRefreshToken } from './refresh/issued-refresh-token';
import { REFRESH_COOKIE } from './refresh/refresh-credentials';
import { AccessTokenIssuer } from './tokens/access-token-issuer';
import { AUTH_SETTINGS, AuthSettings } from '../latch.settings';

const COOKIE_PATH = '/auth';

/** Builds the token response of docs/api.md and sets or clears the refresh cookie. */
@Injectable()
export class TokenResponder {
  constructor(
    private readonly accessTokens: AccessTokenIssuer,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  respond(issued: IssuedRefreshToken, reply: FastifyReply): TokenResponse {
    // The refresh token's expiry is the session's (idle, itself capped by the absolute
    // expiry): an access token never outlives the session it belongs to.
    const access = this.accessTokens.issue(
      issued.userId,
      issued.sessionId,
      { roles: issued.roles, amr: issued.amr },
      issued.expiresAt,
    );
    const refreshExpiresIn = Math.max(
      0,
      Math.floor((issued.expiresAt.getTime() - Date.now()) / 1000),
    );
    const response: TokenResponse = {
      tokenType: 'Bearer',
      accessToken: access.token,
      expiresIn: access.expiresIn,
      refreshToken: issued.token,
      refreshExpiresIn,
      sessionId: issued.sessionId,
    };
    if (this.auth.refreshTransport !== 'body') {
      void reply.setCookie(REFRESH_COOKIE, issued.token, {
        ...this.cookieOptions(),
        maxAge: refreshExpiresIn,
      });
    }
    if (this.auth.refreshTransport === 'cookie') delete response.refreshToken;
    return response;
  }

  clearCookie(reply: FastifyReply): void {
    if (this.auth.refreshTransport !== 'body') {
      void reply.clearCookie(REFRESH_COOKIE, this.cookieOptions());
    }
  }

  private cookieOptions() {
    return {
      httpOnly: true,
      sameSite: 'strict' as const,
      path: COOKIE_PATH,
      secure: this.auth.cookieSecure,
    };
  }
}

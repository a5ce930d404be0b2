import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../../common/problem';
import { validationFailed } from '../../common/validation';

import { parseRefreshToken, RefreshTokenParts } from './refresh-token-format';
import { invalidGrant } from './refresh-errors';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';

export const REFRESH_COOKIE = 'refresh_token';

/** A refresh token as presented, and how it came. */
export interface RefreshCredentials {
  parts: RefreshTokenParts;
  source: 'body' | 'cookie';
}

/** Why a request carries no refresh credentials to spend, as a value (compare by identity). */
export class RefreshRefusal {
  static readonly notPresented = new RefreshRefusal(() =>
    invalidGrant('no refresh token was presented'),
  );
  static readonly malformed = new RefreshRefusal(() => invalidGrant());

  private constructor(
    /** The 401 invalid_grant problem this refusal is answered with. */
    readonly problem: () => ProblemException,
  ) {}
}

/**
 * Reads the refresh token from the body (`refreshToken`) or, when the body has none, from
 * the `refresh_token` cookie; a cookie must also pass the cross-site check of docs/api.md.
 */
@Injectable()
export class RefreshCredentialsReader {
  constructor(@Inject(AUTH_SETTINGS) private readonly auth: AuthSettings) {}

  /**
   * The raw token and its source, or undefined when the request carries none. Guards run
   * before the validation pipe, so a body that is not an object, or a `refreshToken` that is
   * not a string, is refused here (400) rather than read as "no token" or a bad grant.
   */
  presented(request: FastifyRequest): { raw: unknown; source: 'body' | 'cookie' } | undefined {
    const body: unknown = request.body;
    if (body !== undefined) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw validationFailed([{ field: 'body', message: 'the body must be a JSON object' }]);
      }
      const { refreshToken } = body as { refreshToken?: unknown };
      if (refreshToken !== undefined) {
        if (typeof refreshToken !== 'string') {
          throw validationFailed([
            { field: 'refreshToken', message: 'refreshToken must be a string' },
          ]);
        }
        return { raw: refreshToken, source: 'body' };
      }
    }
    const header = request.headers.cookie;
    if (this.auth.refreshTransport === 'body' || !header) return undefined;
    const cookie = request.server.parseCookie(header)[REFRESH_COOKIE];
    return cookie ? { raw: cookie, source: 'cookie' } : undefined;
  }

  /**
   * The refresh credentials of a request, or why there are none (a value: RefreshTokenGuard
   * answers it with 401 invalid_grant). A body or cookie that must not be read at all is
   * refused here with its own problem (400, 403).
   */
  read(request: FastifyRequest): RefreshCredentials | RefreshRefusal {
    const presented = this.presented(request);
    if (!presented) return RefreshRefusal.notPresented;
    if (presented.source === 'cookie') this.assertSameSite(request);
    const parts = parseRefreshToken(presented.raw);
    if (!parts) return RefreshRefusal.malformed;
    return { parts, source: presented.source };
  }

  /**
   * A cookie rides along on cross-site requests, so a request authenticated by it must show
   * it came from us: an Origin that is ours or allowed, or (with no Origin) X-Requested-With,
   * which a cross-site form cannot set.
   */
  private assertSameSite(request: FastifyRequest): void {
    const origin = request.headers.origin;
    if (origin === undefined) {
      if (request.headers['x-requested-with'] !== undefined) return;
    } else if (
      origin === `${request.protocol}://${request.host}` ||
      this.auth.allowedOrigins.includes(origin)
    ) {
      return;
    }
    throw new ProblemException(
      HttpStatus.FORBIDDEN,
      'forbidden',
      'a cookie-authenticated request must come from an allowed origin',
    );
  }
}

import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy as PassportBaseStrategy } from 'passport-strategy';
import { RefreshCredentials, RefreshCredentialsReader } from './refresh-credentials';

export const REFRESH_TOKEN_STRATEGY = 'refresh-token';

type Verify = (
  request: FastifyRequest,
  done: (error: unknown, user?: unknown, info?: unknown) => void,
) => void;

/** The smallest Passport strategy: hand the request to `validate`. */
class RequestStrategy extends PassportBaseStrategy {
  constructor(private readonly verify: Verify) {
    super();
  }

  // Passport's types name Express's request; under Fastify it is a FastifyRequest.
  override authenticate(request: never): void {
    this.verify(request, (error, user, info) => {
      if (error) return this.error(error as Error);
      if (!user) return this.fail(info as object, 401);
      this.success(user);
    });
  }
}

/**
 * Authenticates the refresh token's form and transport only. Whether it is current, spent
 * or reused is decided atomically when it is spent (RefreshRotation), not here.
 */
@Injectable()
export class RefreshTokenStrategy extends PassportStrategy(
  RequestStrategy,
  REFRESH_TOKEN_STRATEGY,
) {
  constructor(private readonly reader: RefreshCredentialsReader) {
    super();
  }

  validate(request: FastifyRequest): RefreshCredentials {
    return this.reader.read(request);
  }
}

import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { RequestStrategy } from '../../common/passport-request-strategy';
import { RefreshCredentials, RefreshCredentialsReader } from './refresh-credentials';

export const REFRESH_TOKEN_STRATEGY = 'refresh-token';

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

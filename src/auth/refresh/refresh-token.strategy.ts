import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { RequestStrategy } from '../../common/passport-request-strategy';
import {
  RefreshCredentials,
  RefreshCredentialsReader,
  RefreshRefusal,
} from './refresh-credentials';

export const REFRESH_TOKEN_STRATEGY = 'refresh-token';

/**
 * Authenticates the refresh token's form and transport only. Whether it is current, spent
 * or reused is decided atomically when it is spent (RefreshRotation), not here. A request
 * without usable credentials fails with its RefreshRefusal as Passport's info.
 */
@Injectable()
export class RefreshTokenStrategy extends PassportStrategy(
  RequestStrategy,
  REFRESH_TOKEN_STRATEGY,
) {
  constructor(private readonly reader: RefreshCredentialsReader) {
    super();
  }

  validate(request: FastifyRequest): RefreshCredentials | [false, RefreshRefusal] {
    const read = this.reader.read(request);
    return read instanceof RefreshRefusal ? [false, read] : read;
  }
}

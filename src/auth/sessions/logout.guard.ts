import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../../common/problem';
import { RefreshCredentialsReader } from '../refresh/refresh-credentials';
import { RefreshTokenGuard } from '../refresh/refresh-token.guard';
import { AccessTokenGuard } from '../tokens/access-token.guard';

/**
 * Logout accepts a refresh token (body or cookie) or, failing that, an access token. A
 * token whose session is already over still logs out (204): there is nothing left to end.
 */
@Injectable()
export class LogoutGuard implements CanActivate {
  constructor(
    private readonly reader: RefreshCredentialsReader,
    private readonly refreshGuard: RefreshTokenGuard,
    private readonly accessGuard: AccessTokenGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: unknown }>();
    const byRefreshToken = this.reader.presented(request) !== undefined;
    try {
      return byRefreshToken
        ? ((await this.refreshGuard.canActivate(context)) as boolean)
        : await this.accessGuard.canActivate(context);
    } catch (error) {
      const nothingToEnd = byRefreshToken ? 'invalid_grant' : 'session_revoked';
      if (error instanceof ProblemException && error.code === nothingToEnd) {
        request.user = undefined;
        return true;
      }
      throw error;
    }
  }
}

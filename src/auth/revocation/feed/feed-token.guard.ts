import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ProblemException } from '../../../common/problem';
import { AUTH_SETTINGS, AuthSettings } from '../../../latch.settings';
import { bearerToken } from '../../tokens/bearer';
import { invalidToken } from '../../tokens/token-errors';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The revocation feed's bearer: the operator's AUTH_FEED_TOKEN, shared with the resource
 * servers. Unset, the route does not exist (the same 404 as any unknown path). Both sides are
 * hashed first, so the comparison takes the same time whatever the length or the content.
 */
@Injectable()
export class FeedTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(AUTH_SETTINGS) auth: AuthSettings) {
    this.expected = auth.feedToken ? digest(auth.feedToken) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) {
      throw new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'no such resource');
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token || !timingSafeEqual(digest(token), this.expected)) {
      throw invalidToken('the revocation feed token is missing or wrong');
    }
    return true;
  }
}

import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { ProblemException } from '../../common/problem';

/** @nestjs/throttler's guard, answering in the contract's shape: 429 with Retry-After. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /**
   * One counter per budget and client, shared by every route of that budget: login and
   * register spend from the same `login` budget (docs/api.md). The default key also names the
   * controller and handler, which would give each route a budget of its own.
   */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `${name}:${tracker}`;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire));
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'too_many_requests',
      'too many requests; slow down',
      { 'retry-after': String(seconds) },
    );
  }
}

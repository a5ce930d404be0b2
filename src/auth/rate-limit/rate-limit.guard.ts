import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { ProblemException } from '../../common/problem';

/** @nestjs/throttler's guard, answering in the contract's shape: 429 with Retry-After. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
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

import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { ProblemException } from '../../common/problem';
import { AuthEventBus } from '../events/auth-event-bus';
import { RATE_LIMITS, type RateLimitName } from './rate-limit-names';

/** @nestjs/throttler's guard, answering in the contract's shape: 429 with Retry-After. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly events: AuthEventBus,
  ) {
    super(options, storage, reflector);
  }

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
    // The budget's name is the key's prefix (generateKey above), never the client's address.
    const budget = detail.key.slice(0, detail.key.indexOf(':')) as RateLimitName;
    if (RATE_LIMITS.includes(budget)) this.events.signal('rate_limited', { limit: budget });
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire));
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'too_many_requests',
      'too many requests; slow down',
      { 'retry-after': String(seconds) },
    );
  }
}

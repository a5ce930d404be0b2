import { applyDecorators, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { RATE_LIMITS, type RateLimitName } from './rate-limit-names';
import { RateLimitGuard } from './rate-limit.guard';

export { RATE_LIMITS, type RateLimitName };

/** Counts this route against one budget per client IP, and against no other. */
export function RateLimit(name: RateLimitName) {
  const others = Object.fromEntries(RATE_LIMITS.filter((n) => n !== name).map((n) => [n, true]));
  return applyDecorators(UseGuards(RateLimitGuard), SkipThrottle(others));
}

import { applyDecorators, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { RateLimitGuard } from './rate-limit.guard';

/** The named budgets of docs/api.md: `login` covers login and register, `refresh` covers refresh. */
export const RATE_LIMITS = ['login', 'refresh'] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];

/** Counts this route against one budget per client IP, and against no other. */
export function RateLimit(name: RateLimitName) {
  const others = Object.fromEntries(RATE_LIMITS.filter((n) => n !== name).map((n) => [n, true]));
  return applyDecorators(UseGuards(RateLimitGuard), SkipThrottle(others));
}

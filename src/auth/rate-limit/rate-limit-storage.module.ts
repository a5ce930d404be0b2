import { Module } from '@nestjs/common';

import { RedisThrottlerStorage } from './redis-throttler-storage';
import { REDIS_SETTINGS, RedisSettings } from '../../latch.settings';

export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/** Redis-backed counters when REDIS_URL is set; null means @nestjs/throttler's in-memory store. */
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [REDIS_SETTINGS],
      useFactory: (redis: RedisSettings) =>
        redis.url ? new RedisThrottlerStorage(redis.url) : null,
    },
  ],
  exports: [RATE_LIMIT_STORAGE],
})
export class RateLimitStorageModule {}

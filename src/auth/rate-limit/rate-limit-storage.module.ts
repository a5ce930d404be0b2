import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { redisConfig } from '../../config/namespaces';
import { RedisThrottlerStorage } from './redis-throttler-storage';

export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/** Redis-backed counters when REDIS_URL is set; null means @nestjs/throttler's in-memory store. */
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [redisConfig.KEY],
      useFactory: (redis: ConfigType<typeof redisConfig>) =>
        redis.url ? new RedisThrottlerStorage(redis.url) : null,
    },
  ],
  exports: [RATE_LIMIT_STORAGE],
})
export class RateLimitStorageModule {}

import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

/** Fixed window: count the hit, start the window's clock on the first one. Atomic in Redis. */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** A fixed window per key, as INCREMENT keeps it in Redis. */
interface Window {
  hits: number;
  endsAt: number;
}

/** Forgotten windows are swept at most this often (the map holds one entry per client). */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * Rate-limit counters in Redis, so every instance spends from one budget. While Redis is
 * unreachable the limits are still enforced, by counters of this instance alone (each
 * instance then grants the full budget), and the switch is logged once each way: a warning
 * when Redis goes away, an info line when it is back.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: Redis;
  private readonly local = new Map<string, Window>();
  private lastSweep = 0;
  /** Counting locally since the last warning. */
  private degraded = false;
  private closing = false;

  constructor(url: string) {
    // Loaded only when REDIS_URL is set: without Redis it would cost start-up 30 ms and 7 MB.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    this.redis = new RedisClient(url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      // A Redis that accepts but never answers must not hold logins up.
      commandTimeout: 1000,
      lazyConnect: false,
    });
    // ioredis reports every failed reconnection attempt: only the first one is logged.
    this.redis.on('error', (error: Error) => this.fallBack(error.message));
    this.redis.on('close', () => this.fallBack('connection closed'));
    this.redis.on('ready', () => this.recover());
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const fullKey = `latch:rl:${throttlerName}:${key}`;
    if (this.redis.status !== 'ready') return this.record(this.countLocally(fullKey, ttl), limit);
    try {
      const [hits, ttlMs] = (await this.redis.eval(INCREMENT, 1, fullKey, String(ttl))) as [
        number,
        number,
      ];
      this.recover(); // a Redis that stalled without dropping the connection answers again
      return this.record([hits, ttlMs], limit);
    } catch (error) {
      this.fallBack((error as Error).message);
      return this.record(this.countLocally(fullKey, ttl), limit);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.redis.quit().catch(() => undefined);
  }

  private record([hits, ttlMs]: [number, number], limit: number): ThrottlerStorageRecord {
    const seconds = Math.ceil(ttlMs / 1000);
    const isBlocked = hits > limit;
    return {
      totalHits: hits,
      timeToExpire: seconds,
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds : 0,
    };
  }

  private countLocally(key: string, ttlMs: number): [number, number] {
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      for (const [k, window] of this.local) if (window.endsAt <= now) this.local.delete(k);
    }
    let window = this.local.get(key);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + ttlMs };
      this.local.set(key, window);
    }
    window.hits++;
    return [window.hits, window.endsAt - now];
  }

  private fallBack(reason: string): void {
    if (this.degraded || this.closing) return;
    this.degraded = true;
    this.logger.warn(
      `Redis unreachable (${reason}): rate limits are counted by this instance alone until it is back`,
    );
  }

  private recover(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.local.clear();
    this.logger.log('Redis reachable again: rate limits are shared through Redis');
  }
}

import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AUTH_SETTINGS, AuthSettings } from '../latch.settings';
import { PrunerRegistry } from './pruner-registry';

const BATCH_SIZE = 1000;

/** Rows deleted, per pruner (sessions, refreshTokens, loginAttempts, authEvents, …). */
export type CleanupResult = Record<string, number>;

/**
 * Runs every registered pruner (sessions and refresh tokens past AUTH_RETENTION, audit events
 * past AUTH_EVENTS_RETENTION, stale login attempts, …) until it deletes less than a batch.
 * Each statement deletes at most BATCH_SIZE rows found through an index, so no lock is held
 * for long and a refresh never waits behind the job.
 */
@Injectable()
export class CleanupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CleanupService.name);
  private running = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly pruners: PrunerRegistry,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (this.auth.cleanupInterval <= 0) return;
    // A plain timer of its own: a host's ScheduleModule (or none) is not Latch's business.
    this.timer = setInterval(() => void this.runScheduled(), this.auth.cleanupInterval * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async runOnce(): Promise<CleanupResult> {
    const result: CleanupResult = {};
    for (const pruner of this.pruners.all()) {
      result[pruner.name] = await this.inBatches((n) => pruner.prune(n));
    }
    return result;
  }

  private async runScheduled(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const result = await this.runOnce();
      this.logger.log(`cleanup removed ${JSON.stringify(result)}`);
    } catch (error) {
      this.logger.warn(`cleanup skipped: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  /** Repeats a bounded delete until it removes less than a full batch. */
  private async inBatches(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const affected = await deleteBatch(BATCH_SIZE);
      total += affected;
      if (affected < BATCH_SIZE) return total;
    }
  }
}

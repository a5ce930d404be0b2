import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { authConfig } from '../config/namespaces';

const BATCH_SIZE = 1000;
const JOB_NAME = 'auth-cleanup';

export interface CleanupResult {
  sessions: number;
  refreshTokens: number;
  loginAttempts: number;
  authEvents: number;
}

/**
 * Deletes sessions and refresh tokens that expired or were revoked more than AUTH_RETENTION
 * ago, and audit events older than AUTH_EVENTS_RETENTION. Each statement deletes at most BATCH_SIZE rows found through an index, so no lock is
 * held for long and a refresh never waits behind the job.
 */
@Injectable()
export class CleanupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CleanupService.name);
  private running = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly scheduler: SchedulerRegistry,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.auth.cleanupInterval <= 0) return;
    const timer = setInterval(() => void this.runScheduled(), this.auth.cleanupInterval * 1000);
    timer.unref();
    this.scheduler.addInterval(JOB_NAME, timer);
  }

  async runOnce(): Promise<CleanupResult> {
    const retention = this.auth.retention;
    // Idle expiry never exceeds the absolute one, so it alone says a session is over.
    const sessions = await this.deleteInBatches(
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions
         WHERE revoked_at < now() - make_interval(secs => $1::float8)
            OR idle_expires_at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      retention,
    );
    const refreshTokens = await this.deleteInBatches(
      `DELETE FROM refresh_tokens WHERE id IN (
         SELECT id FROM refresh_tokens WHERE expires_at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      retention,
    );
    const loginAttempts = await this.deleteInBatches(
      `DELETE FROM login_attempts WHERE email IN (
         SELECT email FROM login_attempts
         WHERE updated_at < now() - make_interval(secs => $1::float8)
           AND (locked_until IS NULL OR locked_until < now())
         LIMIT $2::int)`,
      86400,
    );
    const authEvents = await this.deleteInBatches(
      `DELETE FROM auth_events WHERE id IN (
         SELECT id FROM auth_events WHERE at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      this.auth.eventsRetention,
    );
    return { sessions, refreshTokens, loginAttempts, authEvents };
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

  private async deleteInBatches(sql: string, seconds: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [, affected] = await this.dataSource.query<[unknown, number]>(sql, [
        seconds,
        BATCH_SIZE,
      ]);
      total += affected;
      if (affected < BATCH_SIZE) return total;
    }
  }
}

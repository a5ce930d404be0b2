import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AuditEventsRepository } from '../auth/events/audit-events.repository';
import { DeletedSessionsRepository } from '../auth/revocation/deleted-sessions.repository';
import { LoginAttemptsRepository } from '../auth/passwords/login-attempts.repository';
import { MfaChallengesRepository } from '../auth/mfa/mfa-challenges.repository';
import { RefreshTokensRepository } from '../auth/sessions/refresh-tokens.repository';
import { SessionsRepository } from '../auth/sessions/sessions.repository';
import { AUTH_SETTINGS, AuthSettings } from '../latch.settings';

const BATCH_SIZE = 1000;
/** Unlocked failed-login records older than a day are of no use to the lockout. */
const LOGIN_ATTEMPTS_RETENTION_SECONDS = 86_400;

export interface CleanupResult {
  sessions: number;
  refreshTokens: number;
  loginAttempts: number;
  authEvents: number;
  deletedSessions: number;
  mfaChallenges: number;
}

/**
 * Deletes sessions and refresh tokens that expired or were revoked more than AUTH_RETENTION
 * ago, and audit events older than AUTH_EVENTS_RETENTION. Each statement deletes at most
 * BATCH_SIZE rows found through an index, so no lock is held for long and a refresh never
 * waits behind the job.
 */
@Injectable()
export class CleanupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CleanupService.name);
  private running = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tokens: RefreshTokensRepository,
    private readonly attempts: LoginAttemptsRepository,
    private readonly events: AuditEventsRepository,
    private readonly deleted: DeletedSessionsRepository,
    private readonly challenges: MfaChallengesRepository,
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
    const retention = this.auth.retention;
    return {
      sessions: await this.inBatches((n) => this.sessions.deleteEndedBefore(retention, n)),
      refreshTokens: await this.inBatches((n) => this.tokens.deleteExpiredBefore(retention, n)),
      loginAttempts: await this.inBatches((n) =>
        this.attempts.deleteStaleBefore(LOGIN_ATTEMPTS_RETENTION_SECONDS, n),
      ),
      authEvents: await this.inBatches((n) =>
        this.events.deleteOlderThan(this.auth.eventsRetention, n),
      ),
      // Needed only while a deleted user's access tokens may be unexpired.
      deletedSessions: await this.inBatches((n) =>
        this.deleted.deleteOlderThan(Math.max(retention, this.auth.accessTtl + 60), n),
      ),
      // A pending second step is useless once expired.
      mfaChallenges: await this.inBatches((n) => this.challenges.deleteExpiredBefore(0, n)),
    };
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

import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';
import { PrunerRegistry } from '../../maintenance/pruner-registry';
import { AuditEventResponse } from '../dto/token-response.dto';
import { AuditEventsRepository } from './audit-events.repository';
import { AuthEvent } from './auth-event';

const FLUSH_DELAY_MS = 20;
const MAX_BATCH = 200;
const MAX_PENDING = 10_000;

/**
 * Writes every auth event to `auth_events`. Events are batched (one multi-row INSERT every
 * few milliseconds) so the audit trail adds no round trip to login or refresh.
 */
@Injectable()
export class AuditLog implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditLog.name);
  private pending: AuthEvent[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly events: AuditEventsRepository,
    private readonly pruners: PrunerRegistry,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  /** The trail is kept for AUTH_EVENTS_RETENTION. */
  onModuleInit(): void {
    this.pruners.register({
      name: 'authEvents',
      prune: (n) => this.events.deleteOlderThan(this.auth.eventsRetention, n),
    });
  }

  @OnEvent('auth.**')
  record(event: AuthEvent): void {
    if (this.pending.length >= MAX_PENDING) this.pending.shift(); // database gone for long: keep the newest
    this.pending.push(event);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes everything queued so far; resolves when it is in the database (or given up). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeAll());
    return this.flushing;
  }

  async recentFor(userId: string, limit = 50): Promise<AuditEventResponse[]> {
    await this.flush();
    const rows = await this.events.recentFor(userId, limit);
    return rows.map((row) => ({
      type: row.type,
      at: row.at.toISOString(),
      sessionId: row.session_id,
      ip: row.ip,
      userAgent: row.user_agent,
      detail: row.detail,
    }));
  }

  /**
   * Before any module's onApplicationShutdown: the database connection may close in one of
   * those (Latch's own, or the host's), and what is still queued must be written first.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.flush();
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, MAX_BATCH);
      try {
        await this.events.insertMany(batch);
        this.pending.splice(0, batch.length);
      } catch (error) {
        if (this.stopping) {
          // No retry timer may keep a stopping process alive; what is left is reported.
          this.logger.warn(
            `${this.pending.length} audit events lost at shutdown: ${(error as Error).message}`,
          );
          return;
        }
        this.logger.warn(`audit events kept for a retry: ${(error as Error).message}`);
        this.timer ??= setTimeout(() => void this.flush(), 1000);
        this.timer.unref();
        return;
      }
    }
  }
}

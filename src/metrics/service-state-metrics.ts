import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MailOutboxRepository } from '../accounts/mail/mail-outbox.repository';
import { RevocationListener } from '../auth/revocation/revocation-listener';
import { LatchMetrics } from './latch-metrics';

/** How often the outbox backlog is counted, whatever the scrape interval (the sender's poll). */
export const OUTBOX_REFRESH_MS = 5000;
/** The count stops here: a backlog this deep is an incident whatever its exact size. */
export const OUTBOX_COUNT_CAP = 100_000;

/**
 * The two gauges of the service's state, neither of which costs a query per scrape:
 * `latch_revocation_listener_up` reads the listener's state when scraped, and
 * `latch_mail_outbox_pending` reads a count refreshed every OUTBOX_REFRESH_MS (one bounded
 * count on the outbox's partial index of pending rows), shared by however many scrapers.
 */
@Injectable()
export class ServiceStateMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private pending = 0;
  private timer?: NodeJS.Timeout;
  private refreshing = false;

  constructor(
    private readonly metrics: LatchMetrics,
    private readonly listener: RevocationListener,
    private readonly outbox: MailOutboxRepository,
  ) {
    if (!metrics.enabled) return;
    const listenerUp = () => (this.listener.up ? 1 : 0);
    const pending = () => this.pending;
    new Gauge({
      name: 'latch_revocation_listener_up',
      help: '1 while the LISTEN connection that brings revocations from other instances is up',
      registers: [metrics.registry],
      collect() {
        this.set(listenerUp());
      },
    });
    new Gauge({
      name: 'latch_mail_outbox_pending',
      help: `Mails waiting in the outbox (counted every ${OUTBOX_REFRESH_MS / 1000} s)`,
      registers: [metrics.registry],
      collect() {
        this.set(pending());
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.metrics.enabled) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), OUTBOX_REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The last count stays while the database is away; the listener gauge says why. */
  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      this.pending = await this.outbox.countPending(OUTBOX_COUNT_CAP);
    } catch (error) {
      this.logger.debug(`outbox not counted: ${(error as Error).message}`);
    } finally {
      this.refreshing = false;
    }
  }
}

import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Client } from 'pg';
import { DATABASE_URL, EMBEDDED } from '../../database/database.tokens';
import { EmbeddedPostgres } from '../../database/embedded-postgres';
import { RevokedSessionSet } from './revoked-session-set';

export const REVOCATION_CHANNEL = 'latch_session_revoked';
/**
 * A silent drop of the listening connection (no FIN, no RST) loses NOTIFYs until it is seen:
 * a `SELECT 1` every second that must answer within a second bounds that window at about
 * 2 s, for one trivial query a second per instance. TCP keepalive (first probe after 1 s)
 * also makes the kernel notice a dead peer on an idle socket.
 */
const HEARTBEAT_MS = 1000;
const HEARTBEAT_TIMEOUT_MS = 1000;
const KEEPALIVE_INITIAL_DELAY_MS = 1000;
const MAX_BACKOFF_MS = 5000;

/**
 * Keeps a dedicated connection LISTENing for sessions revoked by any instance. While it is
 * down the revoked-session set is not trusted and checks go to the database; on every
 * (re)connect it LISTENs first and then reloads, so no revocation falls in the gap.
 */
@Injectable()
export class RevocationListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationListener.name);
  private client?: Client;
  private stopped = false;
  private heartbeat?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private backoff = 100;
  private listening = false;

  constructor(
    private readonly revoked: RevokedSessionSet,
    @Inject(DATABASE_URL) private readonly url: string,
    @Inject(EMBEDDED) private readonly embedded: EmbeddedPostgres | null,
  ) {}

  /**
   * Whether revocations of other instances reach this one now: the LISTEN connection is up
   * (always, with the embedded database, which no other instance shares).
   */
  get up(): boolean {
    return this.embedded !== null || this.listening;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.embedded) {
      // The embedded database belongs to this process alone: every revocation is local.
      await this.revoked.reload();
      this.revoked.setTrusted(true);
      return;
    }
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
      connectionTimeoutMillis: 3000,
    });
    client.on('notification', (message) => {
      if (message.payload) this.revoked.add([message.payload]);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      await this.revoked.reload();
      if (client !== this.client) return;
      this.revoked.setTrusted(true);
      this.listening = true;
      this.backoff = 100;
      this.heartbeat = setInterval(() => void this.beat(client), HEARTBEAT_MS);
      this.heartbeat.unref();
      this.logger.log('listening for session revocations');
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  /** A silent network drop shows up here rather than as a socket error. */
  private async beat(client: Client): Promise<void> {
    const timeout = setTimeout(
      () => this.lost(client, new Error('heartbeat timed out')),
      HEARTBEAT_TIMEOUT_MS,
    );
    try {
      await client.query('SELECT 1');
    } catch (error) {
      this.lost(client, error as Error);
    } finally {
      clearTimeout(timeout);
    }
  }

  private lost(client: Client, error: Error): void {
    if (client !== this.client) return; // a connection already given up
    this.revoked.setTrusted(false);
    this.listening = false;
    clearInterval(this.heartbeat);
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.stopped || this.retry) return;
    this.logger.warn(
      `revocation listener down (${error.message}); checking sessions in the database`,
    );
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, this.backoff);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
  }
}

import {
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import { ProblemException } from '../../../common/problem';
import { AUTH_SETTINGS, AuthSettings } from '../../../latch.settings';
import { RevokedEntry, RevokedSessionSet } from '../revoked-session-set';
import { FeedClient } from './feed-client';
import { FeedPacing } from './feed-pacing';
import { HEARTBEAT, revokedEvents, snapshotEvent } from './sse';

const unavailable = (detail: string, retryAfter: number) =>
  new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'service_unavailable', detail, {
    'retry-after': String(retryAfter),
  });

/**
 * `GET /auth/revocations`: every open stream gets the snapshot of the revoked-session set,
 * then each session the set learns of (from this instance's revoker or, through LISTEN/NOTIFY,
 * from any other), batched per tick. The set is what Latch's own guard trusts; while it is not
 * trusted (the listener is down) this instance cannot vouch for revocations made elsewhere,
 * so it ends every stream and refuses new ones, and each client knows its feed is lost.
 */
@Injectable()
export class RevocationFeed implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RevocationFeed.name);
  private readonly clients = new Set<FeedClient>();
  private pending: RevokedEntry[] = [];
  private flushScheduled = false;
  private heartbeat?: NodeJS.Timeout;
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly revoked: RevokedSessionSet,
    private readonly pacing: FeedPacing,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = [
      this.revoked.onRevoked((entries) => this.queue(entries)),
      this.revoked.onTrustChanged((trusted) => {
        if (!trusted) this.endAll('the revocation listener is down');
      }),
    ];
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe) stop();
    this.endAll('shutting down');
  }

  /** How many streams are open. */
  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Takes over the response (a stream outlives Nest's request handling) and sends the
   * snapshot; refuses with 503 problem+json, before anything is sent, past the cap or while
   * the set is not trusted.
   */
  open(reply: FastifyReply): void {
    if (!this.revoked.isTrusted) {
      throw unavailable('revocations cannot be vouched for right now; retry shortly', 1);
    }
    if (this.clients.size >= this.auth.feedMaxClients) {
      throw unavailable('too many revocation feed clients', 5);
    }
    reply.hijack();
    const raw = reply.raw;
    // Hijacked, Fastify sends nothing itself: the headers set so far (security headers,
    // X-Request-Id, CORS) are carried over by hand.
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) headers[name] = value;
    }
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no', // nginx: pass events on at once
    });
    raw.socket?.setNoDelay(true);
    const client = new FeedClient(
      raw,
      snapshotEvent(this.revoked.entries()),
      this.pacing.maxPendingBytes(),
      (gone, reason) => this.remove(gone, reason),
    );
    if (!client.isOpen) return; // the peer left while the snapshot was written
    this.clients.add(client);
    this.startHeartbeat();
  }

  private queue(entries: RevokedEntry[]): void {
    if (this.clients.size === 0) return;
    for (const entry of entries) this.pending.push(entry);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // NOTIFY delivers one id per message: the ids of one statement go out in one write.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const entries = this.pending;
    this.pending = [];
    if (entries.length === 0) return;
    const chunk = revokedEvents(entries);
    for (const client of this.clients) client.send(chunk);
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) client.send(HEARTBEAT);
    }, this.pacing.heartbeatMs());
    this.heartbeat.unref();
  }

  private remove(client: FeedClient, reason: 'closed' | 'slow'): void {
    this.clients.delete(client);
    if (reason === 'slow') {
      this.logger.warn('a revocation feed client stopped reading and was dropped');
    }
    if (this.clients.size === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private endAll(why: string): void {
    if (this.clients.size > 0) this.logger.warn(`ending the revocation feed streams: ${why}`);
    for (const client of [...this.clients]) client.end();
    this.pending = [];
  }
}

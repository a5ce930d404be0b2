import type { Revocations } from './revocations';
import { type SseEvent, SseParser } from './sse-parser';

export interface FeedTiming {
  /** Silence longer than this (Latch sends a comment every 10 s) means the stream is dead. */
  idleTimeoutMs: number;
  /** The first reconnect waits this long, doubling (with jitter) up to maxBackoffMs. */
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_FEED_TIMING: FeedTiming = {
  idleTimeoutMs: 30_000,
  minBackoffMs: 250,
  maxBackoffMs: 10_000,
};

interface FeedLogger {
  log(message: string): void;
  warn(message: string): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A `{sid, until}` of Latch's feed, or undefined when it is not one. */
function entryOf(value: unknown): { sid: string; until: number } | undefined {
  const { sid, until } = (value ?? {}) as { sid?: unknown; until?: unknown };
  const time = typeof until === 'string' ? Date.parse(until) : NaN;
  return typeof sid === 'string' && UUID.test(sid) && Number.isFinite(time)
    ? { sid: sid.toLowerCase(), until: time }
    : undefined;
}

class FeedBroken extends Error {}

/**
 * Holds Latch's revocation feed open: a `snapshot` makes it live, each `revoked` event is
 * added at once, and any loss (an error, the end of the stream, a refusal, silence past the
 * idle timeout, a malformed event) makes it not live and reconnects with backoff. A reconnect
 * gets a fresh snapshot, which holds whatever was revoked while the stream was down.
 */
export class RevocationFeedClient {
  private stopped = true;
  private controller?: AbortController;
  private retry?: NodeJS.Timeout;
  private backoff: number;
  private liveWaiters: (() => void)[] = [];

  constructor(
    private readonly url: URL,
    private readonly token: string,
    private readonly revocations: Revocations,
    private readonly logger: FeedLogger,
    private readonly timing: FeedTiming = DEFAULT_FEED_TIMING,
  ) {
    this.backoff = timing.minBackoffMs;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.controller?.abort();
    this.revocations.setLive(false);
    this.wakeLiveWaiters();
  }

  /** Resolves true once live, or false after timeoutMs (or when stopped). */
  waitLive(timeoutMs: number): Promise<boolean> {
    if (this.revocations.isLive) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(this.revocations.isLive);
      };
      const timer = setTimeout(() => {
        this.liveWaiters = this.liveWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      this.liveWaiters.push(done);
    });
  }

  private async run(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    let idle: NodeJS.Timeout | undefined;
    const stillTalking = () => {
      clearTimeout(idle);
      idle = setTimeout(
        () => controller.abort(new FeedBroken('no heartbeat')),
        this.timing.idleTimeoutMs,
      );
    };
    try {
      stillTalking();
      const response = await fetch(this.url, {
        headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' },
        signal: controller.signal,
        redirect: 'error',
      });
      if (response.status !== 200 || !response.body) {
        await response.body?.cancel();
        // 401: the token is not Latch's AUTH_FEED_TOKEN; 404: Latch has no feed; 503: full.
        throw new FeedBroken(`Latch answered ${response.status}`);
      }
      const parser = new SseParser((event) => this.receive(event));
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
        if (chunk.done) throw new FeedBroken('the stream ended');
        stillTalking();
        parser.push(decoder.decode(chunk.value, { stream: true }));
      }
    } catch (error) {
      if (!this.stopped) this.lost(error);
    } finally {
      clearTimeout(idle);
      controller.abort();
    }
  }

  private receive({ event, data }: SseEvent): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      throw new FeedBroken(`a ${event} event that is not JSON`);
    }
    if (event === 'snapshot') {
      const sessions = (parsed as { sessions?: unknown })?.sessions;
      if (!Array.isArray(sessions)) throw new FeedBroken('a snapshot without sessions');
      const entries = sessions.map(entryOf);
      if (entries.some((entry) => entry === undefined))
        throw new FeedBroken('a malformed snapshot');
      this.revocations.add(entries as { sid: string; until: number }[]);
      if (!this.revocations.isLive)
        this.logger.log(`revocation feed live (${entries.length} revoked sessions)`);
      this.revocations.setLive(true);
      this.backoff = this.timing.minBackoffMs;
      this.wakeLiveWaiters();
    } else if (event === 'revoked') {
      const entry = entryOf(parsed);
      if (!entry) throw new FeedBroken('a malformed revoked event');
      this.revocations.add([entry]);
    }
  }

  private lost(error: unknown): void {
    const wasLive = this.revocations.isLive;
    this.revocations.setLive(false);
    const reason = error instanceof Error ? error.message : String(error);
    const delay = Math.round(this.backoff * (0.8 + Math.random() * 0.4));
    if (wasLive) this.logger.warn(`revocation feed lost (${reason}); reconnecting`);
    else this.logger.warn(`revocation feed unavailable (${reason}); retrying in ${delay} ms`);
    this.backoff = Math.min(this.backoff * 2, this.timing.maxBackoffMs);
    this.retry = setTimeout(() => void this.run(), delay);
    this.retry.unref();
  }

  private wakeLiveWaiters(): void {
    for (const waiter of this.liveWaiters.splice(0)) waiter();
  }
}

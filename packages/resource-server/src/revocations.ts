/** How the guard must treat a verified token's session. */
export type SessionVerdict = 'live' | 'revoked' | 'unverifiable';

const PRUNE_INTERVAL_MS = 60_000;

/**
 * The sessions Latch's revocation feed reported, each kept until its `until` (after which no
 * token of it is valid anyway), and whether the feed is live right now. With no feed
 * configured every verified token is live: revocation then waits for the token's `exp`.
 */
export class Revocations {
  private readonly until = new Map<string, number>();
  private live = false;
  private readonly pruner: NodeJS.Timeout;

  constructor(
    private readonly hasFeed: boolean,
    private readonly onFeedLoss: 'reject' | 'accept',
  ) {
    this.pruner = setInterval(() => this.prune(), PRUNE_INTERVAL_MS);
    this.pruner.unref();
  }

  get size(): number {
    return this.until.size;
  }

  get isLive(): boolean {
    return this.live;
  }

  /** Adds what a snapshot or an event reported (a later `until` wins). */
  add(entries: Iterable<{ sid: string; until: number }>): void {
    const now = Date.now();
    for (const { sid, until } of entries) {
      if (until <= now) continue;
      const known = this.until.get(sid);
      if (known === undefined || known < until) this.until.set(sid, until);
    }
  }

  setLive(live: boolean): void {
    this.live = live;
  }

  /** A session the feed reported is refused whatever the feed's state; the rest as onFeedLoss says. */
  verdict(sessionId: string): SessionVerdict {
    const until = this.until.get(sessionId);
    if (until !== undefined) {
      if (until > Date.now()) return 'revoked';
      this.until.delete(sessionId);
    }
    if (!this.hasFeed || this.live || this.onFeedLoss === 'accept') return 'live';
    return 'unverifiable';
  }

  stop(): void {
    clearInterval(this.pruner);
  }

  private prune(): void {
    const now = Date.now();
    for (const [sid, until] of this.until) if (until <= now) this.until.delete(sid);
  }
}

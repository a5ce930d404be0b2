import { HttpStatus, Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { isDatabaseUnavailable } from '../../common/database-errors';
import { ProblemException } from '../../common/problem';

import { DeletedSessionsRepository } from './deleted-sessions.repository';
import { SessionsRepository } from '../sessions/sessions.repository';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';

/** Long enough past an access token's `exp` for any clock leeway. */
export const FORGET_MARGIN_MS = 60_000;
/** How often entries whose access tokens have all expired are dropped. */
export const PRUNE_INTERVAL_MS = 60_000;

/** A revoked session and the time (ms since the epoch) after which none of its tokens is valid. */
export interface RevokedEntry {
  sid: string;
  until: number;
}

/** Told of sessions newly known to be revoked (the revocation feed fans them out). */
export type RevokedListener = (entries: RevokedEntry[]) => void;
/** Told whenever the set starts or stops being trusted. */
export type TrustListener = (trusted: boolean) => void;

/**
 * The sessions revoked recently enough that their access tokens may still be unexpired.
 * Access-token checks read this set instead of the database. The set is trusted only while
 * the revocation listener is connected (or the database is embedded and therefore private
 * to this process); otherwise each check asks the database.
 */
@Injectable()
export class RevokedSessionSet implements OnModuleInit, OnModuleDestroy {
  private readonly forgetAt = new Map<string, number>();
  private readonly revokedListeners = new Set<RevokedListener>();
  private readonly trustListeners = new Set<TrustListener>();
  private trusted = false;
  private pruneTimer?: NodeJS.Timeout;
  /** Whether the set has been loaded from the database once since this instance started. */
  private loaded = false;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly deleted: DeletedSessionsRepository,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  /**
   * Entries are otherwise dropped only on reload (boot, listener reconnect) or when looked
   * up: without this timer the set would grow with every revocation.
   */
  onModuleInit(): void {
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
  }

  /** How many revoked sessions are tracked. */
  get size(): number {
    return this.forgetAt.size;
  }

  /** Whether the set alone may answer: the listener is up (or the database embedded). */
  get isTrusted(): boolean {
    return this.trusted;
  }

  add(sessionIds: Iterable<string>): void {
    const until = Date.now() + this.auth.accessTtl * 1000 + FORGET_MARGIN_MS;
    const added: RevokedEntry[] = [];
    for (const id of sessionIds) {
      const known = this.forgetAt.get(id);
      // The revoker's own ids come back through NOTIFY: an id already known is not news.
      if (known === undefined || known <= Date.now()) added.push({ sid: id, until });
      this.forgetAt.set(id, until);
    }
    if (added.length > 0) for (const listener of this.revokedListeners) listener(added);
  }

  /** Whether the set alone may answer (the listener is up and the set is fresh). */
  setTrusted(trusted: boolean): void {
    const changed = trusted !== this.trusted;
    this.trusted = trusted;
    if (changed) for (const listener of this.trustListeners) listener(trusted);
  }

  /** Every tracked session whose access tokens may still be valid. */
  entries(): RevokedEntry[] {
    const now = Date.now();
    const entries: RevokedEntry[] = [];
    for (const [sid, until] of this.forgetAt) if (until > now) entries.push({ sid, until });
    return entries;
  }

  /** Calls `listener` with the sessions added from now on; returns how to stop. */
  onRevoked(listener: RevokedListener): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  onTrustChanged(listener: TrustListener): () => void {
    this.trustListeners.add(listener);
    return () => this.trustListeners.delete(listener);
  }

  /**
   * Reloads every session revoked within the last access-token lifetime, including those
   * whose rows went with a deleted user.
   */
  async reload(): Promise<void> {
    const seconds = this.auth.accessTtl + FORGET_MARGIN_MS / 1000;
    const ids = await this.sessions.revokedWithin(seconds);
    const deleted = await this.deleted.deletedWithin(seconds);
    this.prune();
    this.add(ids);
    this.add(deleted);
    this.loaded = true;
  }

  /** A cheap synchronous answer when the set is trusted; undefined when the database must decide. */
  knownState(sessionId: string): boolean | undefined {
    const until = this.forgetAt.get(sessionId);
    if (until !== undefined) {
      if (until > Date.now()) return true;
      this.forgetAt.delete(sessionId);
    }
    return this.trusted ? false : undefined;
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const known = this.knownState(sessionId);
    if (known !== undefined) return known;
    try {
      const revoked = await this.sessions.isRevoked(sessionId);
      if (revoked) this.add([sessionId]);
      return revoked;
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      // With the database gone nobody can revoke anything, so a set loaded before it went
      // away is still accurate. One never loaded knows nothing: answering "not revoked" would
      // let every session revoked within the access-token lifetime back in.
      if (this.loaded) return false;
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'service_unavailable',
        'the database is unavailable; retry shortly',
      );
    }
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, until] of this.forgetAt) if (until <= now) this.forgetAt.delete(id);
  }
}

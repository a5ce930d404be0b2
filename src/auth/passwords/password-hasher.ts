import { HttpStatus, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { ProblemException } from '../../common/problem';
import { Semaphore, SemaphoreFullError } from '../../common/semaphore';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';
import { AuthEventBus } from '../events/auth-event-bus';

/** What a refused hash costs the client: try again in a second. */
const SATURATED_RETRY_AFTER_SECONDS = 1;

export const hashingSaturated = () =>
  new ProblemException(
    HttpStatus.SERVICE_UNAVAILABLE,
    'service_unavailable',
    'the server is busy; try again shortly',
    { 'retry-after': String(SATURATED_RETRY_AFTER_SECONDS) },
  );

export interface PasswordCheck {
  valid: boolean;
  /** The hash was made with other parameters than today's; store a fresh one. */
  needsRehash: boolean;
}

/**
 * argon2id hashing with OWASP parameters. The work runs on libuv's thread pool, but no more
 * than AUTH_ARGON2_CONCURRENCY hashes (default: one per core) run at once: a login flood
 * must not take the core the event loop needs to answer everyone else (measured: /auth/me
 * p99 under a flood). The waiting line is bounded too (AUTH_ARGON2_QUEUE_LIMIT): beyond it a
 * request is refused at once with 503 and Retry-After, so no caller can queue up enough
 * hashes to starve every login behind them.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly options: argon2.HashOptions & { raw?: false };
  private readonly slots: Semaphore;
  private dummyHash?: Promise<string>;

  constructor(
    @Inject(AUTH_SETTINGS) auth: AuthSettings,
    private readonly events: AuthEventBus,
  ) {
    this.options = { type: argon2.argon2id, ...auth.argon2 };
    this.slots = new Semaphore(auth.argon2Concurrency, auth.argon2QueueLimit);
  }

  /** The dummy hash is made before the service listens, not by the first unknown email. */
  async onModuleInit(): Promise<void> {
    await this.dummy();
  }

  hash(password: string): Promise<string> {
    return this.inSlot(() => this.timed(() => argon2.hash(password, this.options)));
  }

  /**
   * An account without a password (null) is checked against the dummy hash: refused, in the
   * time a wrong password takes.
   */
  async verify(hash: string | null, password: string): Promise<PasswordCheck> {
    if (hash === null) {
      await this.verifyDummy(password);
      return { valid: false, needsRehash: false };
    }
    // A corrupt hash never authenticates.
    const valid = await this.inSlot(() =>
      this.timed(() => argon2.verify(hash, password).catch(() => false)),
    );
    return { valid, needsRehash: valid && argon2.needsRehash(hash, this.options) };
  }

  /**
   * Spends one verification against a fixed hash, so a login for an unknown email costs
   * the same time as one for a known email with a wrong password.
   */
  async verifyDummy(password: string): Promise<void> {
    await this.verify(await this.dummy(), password);
  }

  private dummy(): Promise<string> {
    return (this.dummyHash ??= this.hash(randomBytes(32).toString('base64url')));
  }

  /** The computation alone, once it holds its slot: what the hashing parameters cost. */
  private async timed<T>(work: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.events.signal('password.hashed', { seconds });
    }
  }

  private async inSlot<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.slots.run(work);
    } catch (error) {
      throw error instanceof SemaphoreFullError ? hashingSaturated() : error;
    }
  }
}

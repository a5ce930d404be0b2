import { HttpStatus, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { KeyedQueue } from '../../common/keyed-queue';
import { ProblemException } from '../../common/problem';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';
import { PrunerRegistry } from '../../maintenance/pruner-registry';
import { AuthEventBus } from '../events/auth-event-bus';
import type { LoginMethod } from '../events/auth-signal';
import { LockoutPolicy, LoginAttemptsRepository } from './login-attempts.repository';

const FIRST_BACKOFF_SECONDS = 60;
const MAX_BACKOFF_SECONDS = 900;
/** Unlocked failed-login records older than a day are of no use to the lockout. */
const STALE_AFTER_SECONDS = 86_400;

export const lockedOut = (seconds: number) =>
  new ProblemException(
    HttpStatus.TOO_MANY_REQUESTS,
    'too_many_requests',
    'too many failed logins; try again later',
    { 'retry-after': String(Math.max(1, Math.ceil(seconds))) },
  );

/**
 * What a credential check found, with what it wants to return: `right` (the email starts
 * again from zero failures), `wrong` (the reserved attempt stays counted) or `none` (no
 * judgement on the credential, e.g. a right password of a disabled account: the attempt is
 * given back, and the count is not reset).
 */
export type Verdict<T> =
  | { readonly kind: 'right'; readonly value: T }
  | { readonly kind: 'wrong'; readonly value: T }
  | { readonly kind: 'none'; readonly value: T };

export const right = <T>(value: T): Verdict<T> => ({ kind: 'right', value });
export const wrong = <T>(value: T): Verdict<T> => ({ kind: 'wrong', value });
export const noVerdict = <T>(value: T): Verdict<T> => ({ kind: 'none', value });

/** One password attempt let through: how many failures it brings the email to if it fails. */
export interface LoginAttempt {
  email: string;
  failuresIfWrong: number;
  /** The lock the reservation set (PostgreSQL's text of it), given back with the attempt. */
  reservedLock: string | null;
}

/**
 * Exponential backoff per email after consecutive failed logins: 1 minute at the threshold,
 * doubling up to 15. Kept in the database (shared by instances, survives restarts) and keyed
 * by the email whether or not an account has it, so it reveals nothing about accounts.
 *
 * An attempt is reserved (counted as a failure) before its password is checked and cleared
 * when it succeeds, so N simultaneous guesses cost at most `threshold` verifications, even
 * spread over several instances.
 */
@Injectable()
export class LoginLockout implements OnModuleInit {
  private readonly policy: LockoutPolicy;
  private readonly turns = new KeyedQueue();

  constructor(
    private readonly attempts: LoginAttemptsRepository,
    private readonly pruners: PrunerRegistry,
    @Inject(AUTH_SETTINGS) auth: AuthSettings,
    private readonly events: AuthEventBus,
  ) {
    this.policy = {
      threshold: auth.lockoutThreshold,
      firstBackoffSeconds: FIRST_BACKOFF_SECONDS,
      maxBackoffSeconds: MAX_BACKOFF_SECONDS,
    };
  }

  onModuleInit(): void {
    this.pruners.register({
      name: 'loginAttempts',
      prune: (n) => this.attempts.deleteStaleBefore(STALE_AFTER_SECONDS, n),
    });
  }

  get enabled(): boolean {
    return this.policy.threshold > 0;
  }

  /**
   * Runs `task` after every earlier attempt for this email on this instance has finished.
   * Across instances the reservation alone bounds the guesses.
   */
  oneAtATime<T>(email: string, task: () => Promise<T>): Promise<T> {
    return this.enabled ? this.turns.run(email, task) : task();
  }

  /**
   * Runs a credential check (a password, a second-factor code) as one attempt: reserved
   * before (429 when locked), then settled by the check's verdict. A check that throws (503,
   * database loss) reached no verdict: its attempt is given back. Attempts for one email take
   * turns on this instance, so simultaneous right passwords are judged one after another
   * instead of being refused for each other's reservations. `signIn` names the sign-in method
   * when the attempt is one (not a password confirmation), for the `login.locked` signal.
   */
  judge<T>(
    email: string,
    check: (attempt: LoginAttempt) => Promise<Verdict<T>>,
    signIn?: LoginMethod,
  ): Promise<T> {
    return this.oneAtATime(email, async () => {
      const attempt = await this.reserve(email, signIn);
      let verdict: Verdict<T>;
      try {
        verdict = await check(attempt);
      } catch (error) {
        await this.release(attempt).catch(() => undefined);
        throw error;
      }
      if (verdict.kind === 'right') await this.succeeded(attempt);
      if (verdict.kind === 'none') await this.release(attempt);
      return verdict.value;
    });
  }

  /** Whether this attempt, now known to be wrong, is the one that locked the email. */
  lockedBy(attempt: LoginAttempt): boolean {
    return this.enabled && attempt.failuresIfWrong >= this.policy.threshold;
  }

  /**
   * Forgets the email's failures and lifts its lock, for a proof of the account stronger
   * than a password guess (a password reset through the mailed link), or because the address
   * now names another account (deleted, or newly registered: in `manager`'s transaction).
   */
  async reset(email: string, manager?: EntityManager): Promise<void> {
    await this.attempts.clear(email, manager);
  }

  /** Lets one attempt through, counted in advance; 429 when the email is locked. */
  private async reserve(email: string, signIn?: LoginMethod): Promise<LoginAttempt> {
    if (!this.enabled) return { email, failuresIfWrong: 0, reservedLock: null };
    const row = await this.attempts.reserve(email, this.policy);
    if (row.reserved_count === null) {
      this.events.signal('rate_limited', { limit: 'lockout' });
      if (signIn) this.events.signal('login.locked', { method: signIn });
      // Locked by a concurrent attempt after this statement's snapshot: the lock is new.
      const wait = Number(row.wait ?? 0);
      throw lockedOut(wait > 0 ? wait : this.policy.firstBackoffSeconds);
    }
    return { email, failuresIfWrong: row.reserved_count, reservedLock: row.reserved_lock };
  }

  /** The credential was never judged: the attempt does not count, nor does the lock it set. */
  private async release(attempt: LoginAttempt): Promise<void> {
    if (!this.enabled) return;
    await this.attempts.release(attempt.email, this.policy.threshold, attempt.reservedLock);
  }

  /** The credential was right: the email starts again from zero failures. */
  private async succeeded(attempt: LoginAttempt): Promise<void> {
    if (!this.enabled) return;
    await this.attempts.clear(attempt.email);
  }
}

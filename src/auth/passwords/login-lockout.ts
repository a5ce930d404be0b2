import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { KeyedQueue } from '../../common/keyed-queue';
import { ProblemException } from '../../common/problem';

import { LockoutPolicy, LoginAttemptsRepository } from './login-attempts.repository';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';

const FIRST_BACKOFF_SECONDS = 60;
const MAX_BACKOFF_SECONDS = 900;

export const lockedOut = (seconds: number) =>
  new ProblemException(
    HttpStatus.TOO_MANY_REQUESTS,
    'too_many_requests',
    'too many failed logins; try again later',
    { 'retry-after': String(Math.max(1, Math.ceil(seconds))) },
  );

/** Answers that judge a credential wrong: the attempt they end stays counted. */
const WRONG_CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  'invalid_credentials',
  'invalid_mfa_code',
]);

/** One password attempt let through: how many failures it brings the email to if it fails. */
export interface LoginAttempt {
  email: string;
  failuresIfWrong: number;
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
export class LoginLockout {
  private readonly policy: LockoutPolicy;
  private readonly turns = new KeyedQueue();

  constructor(
    private readonly attempts: LoginAttemptsRepository,
    @Inject(AUTH_SETTINGS) auth: AuthSettings,
  ) {
    this.policy = {
      threshold: auth.lockoutThreshold,
      firstBackoffSeconds: FIRST_BACKOFF_SECONDS,
      maxBackoffSeconds: MAX_BACKOFF_SECONDS,
    };
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
   * before (429 when locked), kept when the check ends in a wrong-credential answer, and given
   * back when it ends in any other error (503, database loss), which is no verdict. Attempts
   * for one email take turns on this instance, so simultaneous right passwords are judged
   * one after another instead of being refused for each other's reservations.
   */
  judge<T>(email: string, check: (attempt: LoginAttempt) => Promise<T>): Promise<T> {
    return this.oneAtATime(email, async () => {
      const attempt = await this.reserve(email);
      try {
        return await check(attempt);
      } catch (error) {
        const verdict = error instanceof ProblemException && WRONG_CREDENTIAL_CODES.has(error.code);
        if (!verdict) await this.release(attempt).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Lets one attempt through, counted in advance; 429 when the email is locked. */
  async reserve(email: string): Promise<LoginAttempt> {
    if (!this.enabled) return { email, failuresIfWrong: 0 };
    const row = await this.attempts.reserve(email, this.policy);
    if (row.reserved_count === null) {
      // Locked by a concurrent attempt after this statement's snapshot: the lock is new.
      const wait = Number(row.wait ?? 0);
      throw lockedOut(wait > 0 ? wait : this.policy.firstBackoffSeconds);
    }
    return { email, failuresIfWrong: row.reserved_count };
  }

  /** Whether this attempt, now known to be wrong, is the one that locked the email. */
  lockedBy(attempt: LoginAttempt): boolean {
    return this.enabled && attempt.failuresIfWrong >= this.policy.threshold;
  }

  /** The password was never judged (an error before the verdict): the attempt does not count. */
  async release(attempt: LoginAttempt): Promise<void> {
    if (!this.enabled) return;
    await this.attempts.release(attempt.email, this.policy.threshold);
  }

  /** The password was right: the email starts again from zero failures. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    if (!this.enabled) return;
    await this.attempts.clear(attempt.email);
  }
}

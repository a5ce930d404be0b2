import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ProblemException } from '../../common/problem';
import { authConfig } from '../../config/namespaces';
import { LockoutPolicy, LoginAttemptsRepository } from '../store/login-attempts.repository';

const FIRST_BACKOFF_SECONDS = 60;
const MAX_BACKOFF_SECONDS = 900;

export const lockedOut = (seconds: number) =>
  new ProblemException(
    HttpStatus.TOO_MANY_REQUESTS,
    'too_many_requests',
    'too many failed logins; try again later',
    { 'retry-after': String(Math.max(1, Math.ceil(seconds))) },
  );

/**
 * Exponential backoff per email after consecutive failed logins: 1 minute at the threshold,
 * doubling up to 15. Kept in the database (shared by instances, survives restarts) and keyed
 * by the email whether or not an account has it, so it reveals nothing about accounts.
 */
@Injectable()
export class LoginLockout {
  private readonly policy: LockoutPolicy;

  constructor(
    private readonly attempts: LoginAttemptsRepository,
    @Inject(authConfig.KEY) auth: ConfigType<typeof authConfig>,
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

  /** Seconds until the email may try again (0 when it may), and its failures so far. */
  async state(email: string): Promise<{ lockedFor: number; failures: number }> {
    if (!this.enabled) return { lockedFor: 0, failures: 0 };
    const row = await this.attempts.find(email);
    const wait = Number(row?.wait ?? 0);
    return { lockedFor: wait > 0 ? wait : 0, failures: row?.failed_count ?? 0 };
  }

  /** Counts a failure; returns the new lock in seconds when this failure triggered one. */
  async recordFailure(email: string): Promise<number> {
    if (!this.enabled) return 0;
    const row = await this.attempts.recordFailure(email, this.policy);
    return row.failed_count >= this.policy.threshold ? Number(row.wait) : 0;
  }

  async reset(email: string): Promise<void> {
    if (!this.enabled) return;
    await this.attempts.clear(email);
  }
}

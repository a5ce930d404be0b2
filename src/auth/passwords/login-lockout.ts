import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { ProblemException } from '../../common/problem';
import { authConfig } from '../../config/namespaces';

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
  constructor(
    private readonly dataSource: DataSource,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {}

  get enabled(): boolean {
    return this.auth.lockoutThreshold > 0;
  }

  /** Seconds until the email may try again (0 when it may), and its failures so far. */
  async state(email: string): Promise<{ lockedFor: number; failures: number }> {
    if (!this.enabled) return { lockedFor: 0, failures: 0 };
    const rows: { wait: string | null; failed_count: number }[] = await this.dataSource.query(
      `SELECT extract(epoch FROM locked_until - now()) AS wait, failed_count
       FROM login_attempts WHERE email = $1`,
      [email],
    );
    const wait = Number(rows[0]?.wait ?? 0);
    return { lockedFor: wait > 0 ? wait : 0, failures: rows[0]?.failed_count ?? 0 };
  }

  /** Counts a failure; returns the new lock in seconds when this failure triggered one. */
  async recordFailure(email: string): Promise<number> {
    if (!this.enabled) return 0;
    const rows: { failed_count: number; wait: string | null }[] = await this.dataSource.query(
      `INSERT INTO login_attempts AS a (email, failed_count, locked_until, updated_at)
       VALUES ($1, 1, CASE WHEN $2::int <= 1 THEN now() + make_interval(secs => $3::float8) END, now())
       ON CONFLICT (email) DO UPDATE SET
         failed_count = a.failed_count + 1,
         updated_at = now(),
         locked_until = CASE WHEN a.failed_count + 1 >= $2::int
           THEN now() + make_interval(secs => least($3::float8 * power(2, a.failed_count + 1 - $2::int), $4::float8))
           ELSE a.locked_until END
       RETURNING failed_count, extract(epoch FROM locked_until - now()) AS wait`,
      [email, this.auth.lockoutThreshold, FIRST_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS],
    );
    return rows[0].failed_count >= this.auth.lockoutThreshold ? Number(rows[0].wait) : 0;
  }

  async reset(email: string): Promise<void> {
    if (!this.enabled) return;
    await this.dataSource.query(`DELETE FROM login_attempts WHERE email = $1`, [email]);
  }
}

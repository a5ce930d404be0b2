import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** An email's failed-login record: its lock (seconds from now, may be negative) and count. */
export interface LoginAttemptRow {
  failed_count: number;
  wait: string | null;
}

/** How failures turn into locks: the threshold and the backoff's first step and ceiling. */
export interface LockoutPolicy {
  threshold: number;
  firstBackoffSeconds: number;
  maxBackoffSeconds: number;
}

/** Every statement on `login_attempts`, keyed by email whether or not an account has it. */
@Injectable()
export class LoginAttemptsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(email: string): Promise<LoginAttemptRow | undefined> {
    const rows: LoginAttemptRow[] = await this.dataSource.query(
      `SELECT extract(epoch FROM locked_until - now()) AS wait, failed_count
       FROM login_attempts WHERE email = $1`,
      [email],
    );
    return rows[0];
  }

  /** Counts one failure; at the threshold the lock doubles with every further failure. */
  async recordFailure(email: string, policy: LockoutPolicy): Promise<LoginAttemptRow> {
    const rows: LoginAttemptRow[] = await this.dataSource.query(
      `INSERT INTO login_attempts AS a (email, failed_count, locked_until, updated_at)
       VALUES ($1, 1, CASE WHEN $2::int <= 1 THEN now() + make_interval(secs => $3::float8) END, now())
       ON CONFLICT (email) DO UPDATE SET
         failed_count = a.failed_count + 1,
         updated_at = now(),
         locked_until = CASE WHEN a.failed_count + 1 >= $2::int
           THEN now() + make_interval(secs => least($3::float8 * power(2, a.failed_count + 1 - $2::int), $4::float8))
           ELSE a.locked_until END
       RETURNING failed_count, extract(epoch FROM locked_until - now()) AS wait`,
      [email, policy.threshold, policy.firstBackoffSeconds, policy.maxBackoffSeconds],
    );
    return rows[0];
  }

  async clear(email: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_attempts WHERE email = $1`, [email]);
  }

  /** Deletes up to `limit` unlocked records untouched for `seconds`. */
  async deleteStaleBefore(seconds: number, limit: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM login_attempts WHERE email IN (
         SELECT email FROM login_attempts
         WHERE updated_at < now() - make_interval(secs => $1::float8)
           AND (locked_until IS NULL OR locked_until < now())
         LIMIT $2::int)`,
      [seconds, limit],
    );
    return affected;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A reservation: the failures counted so far including this attempt, or null when locked. */
export interface LoginReservationRow {
  reserved_count: number | null;
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

  /**
   * Counts an attempt as a failure before its password is checked, unless the email is
   * locked: one statement, so a burst of simultaneous attempts is counted one by one and
   * those past the threshold are refused without costing a hash. At the threshold the lock
   * starts, and doubles with every further failure. `reserved_count` is null when locked;
   * `wait` is the lock as this statement found it (seconds from now).
   */
  async reserve(email: string, policy: LockoutPolicy): Promise<LoginReservationRow> {
    const rows: LoginReservationRow[] = await this.dataSource.query(
      `WITH reserved AS (
         INSERT INTO login_attempts AS a (email, failed_count, locked_until, updated_at)
         VALUES ($1, 1, CASE WHEN $2::int <= 1 THEN now() + make_interval(secs => $3::float8) END, now())
         ON CONFLICT (email) DO UPDATE SET
           failed_count = a.failed_count + 1,
           updated_at = now(),
           locked_until = CASE WHEN a.failed_count + 1 >= $2::int
             THEN now() + make_interval(secs => least($3::float8 * power(2, a.failed_count + 1 - $2::int), $4::float8))
             ELSE a.locked_until END
         WHERE a.locked_until IS NULL OR a.locked_until <= now()
         RETURNING failed_count)
       SELECT (SELECT failed_count FROM reserved) AS reserved_count,
              (SELECT extract(epoch FROM locked_until - now()) FROM login_attempts
               WHERE email = $1) AS wait`,
      [email, policy.threshold, policy.firstBackoffSeconds, policy.maxBackoffSeconds],
    );
    return rows[0];
  }

  /**
   * Takes back a reserved attempt whose password was never judged (e.g. the server was
   * saturated), lifting the lock when that brings the count under the threshold.
   */
  async release(email: string, threshold: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE login_attempts SET
         failed_count = greatest(failed_count - 1, 0),
         locked_until = CASE WHEN failed_count - 1 < $2::int THEN NULL ELSE locked_until END
       WHERE email = $1`,
      [email, threshold],
    );
  }

  async clear(email: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM login_attempts WHERE email = $1`, [email]);
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

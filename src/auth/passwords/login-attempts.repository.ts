import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * A reservation: the failures counted so far including this attempt, or null when locked;
 * `reserved_lock`: the lock this reservation set (text, to keep PostgreSQL's microseconds),
 * null when it set none.
 */
export interface LoginReservationRow {
  reserved_count: number | null;
  reserved_lock: string | null;
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
         RETURNING failed_count, locked_until)
       SELECT (SELECT failed_count FROM reserved) AS reserved_count,
              (SELECT CASE WHEN failed_count >= $2::int THEN locked_until::text END
               FROM reserved) AS reserved_lock,
              (SELECT extract(epoch FROM locked_until - now()) FROM login_attempts
               WHERE email = $1) AS wait`,
      [email, policy.threshold, policy.firstBackoffSeconds, policy.maxBackoffSeconds],
    );
    return rows[0];
  }

  /**
   * Takes back a reserved attempt that reached no verdict on the credential (a right password
   * of a disabled account, one that ends in a second step, a saturated server): it restores
   * what the reservation changed. The count goes back down, and the lock the reservation set
   * is lifted (before it the email was not locked: a locked email reserves nothing), unless a
   * later failure has set another one since. Under the threshold no lock is left either.
   */
  async release(email: string, threshold: number, reservedLock: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE login_attempts SET
         failed_count = greatest(failed_count - 1, 0),
         locked_until = CASE
           WHEN failed_count - 1 < $2::int THEN NULL
           WHEN locked_until = $3::timestamptz THEN NULL
           ELSE locked_until END
       WHERE email = $1`,
      [email, threshold, reservedLock],
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

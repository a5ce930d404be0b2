import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A pending second step, as the login/mfa route reads it. */
export interface LiveChallengeRow {
  user_id: string;
  email: string;
  /** The password the challenge was started with, as PostgreSQL's text (microseconds kept). */
  password_changed_at: string;
  /** The `amr` of the step that started it (`{pwd}`, or `{fed}` after an identity provider). */
  first_step: string[];
}

/**
 * Every statement on `mfa_challenges`: the pending second steps of logins (`mfaToken`, only
 * its SHA-256 kept). A challenge is live while unused, unexpired and under the failure limit.
 */
@Injectable()
export class MfaChallengesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A challenge bound to the password just verified: only while the user's hash is still
   * that one, share-locking the row so a change waits for it (and its cleanup then deletes
   * it). False when the password changed meanwhile. Null binds it to the password as it is.
   */
  async create(
    userId: string,
    hash: Buffer,
    ttlSeconds: number,
    verifiedPasswordHash: string | null,
    firstStep: string[],
  ): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH owner AS (
         SELECT id, password_changed_at FROM users
         WHERE id = $2 AND ($4::text IS NULL OR password_hash = $4::text) FOR SHARE)
       INSERT INTO mfa_challenges
         (token_hash, user_id, expires_at, password_changed_at, first_step)
       SELECT $1, owner.id, now() + make_interval(secs => $3::float8),
         owner.password_changed_at, $5::text[]
       FROM owner
       RETURNING 1`,
      [hash, userId, ttlSeconds, verifiedPasswordHash, firstStep],
    );
    return rows.length > 0;
  }

  /**
   * Counts one guess against a live challenge before its code is judged, in one conditional
   * statement: of any number of simultaneous guesses, only as many as the budget has left
   * get the row. Undefined when the challenge is unknown, used, expired or out of guesses.
   */
  async reserveGuess(hash: Buffer, maxGuesses: number): Promise<LiveChallengeRow | undefined> {
    const [rows] = await this.dataSource.query<[LiveChallengeRow[], number]>(
      `UPDATE mfa_challenges c SET failures = c.failures + 1
       FROM users u
       WHERE c.token_hash = $1 AND u.id = c.user_id
         AND c.used_at IS NULL AND c.failures < $2 AND c.expires_at > now()
       RETURNING c.user_id, u.email, c.password_changed_at::text AS password_changed_at,
         c.first_step`,
      [hash, maxGuesses],
    );
    return rows[0];
  }

  /** A live challenge (unused, unexpired, guesses left), read only. */
  async findLive(hash: Buffer, maxGuesses: number): Promise<LiveChallengeRow | undefined> {
    const rows: LiveChallengeRow[] = await this.dataSource.query(
      `SELECT c.user_id, u.email, c.password_changed_at::text AS password_changed_at
       FROM mfa_challenges c JOIN users u ON u.id = c.user_id
       WHERE c.token_hash = $1 AND c.used_at IS NULL AND c.failures < $2
         AND c.expires_at > now()`,
      [hash, maxGuesses],
    );
    return rows[0];
  }

  /** Gives a reserved guess back: it was never judged (an error before the verdict). */
  async releaseGuess(hash: Buffer): Promise<void> {
    await this.dataSource.query(
      `UPDATE mfa_challenges SET failures = failures - 1
       WHERE token_hash = $1 AND used_at IS NULL AND failures > 0`,
      [hash],
    );
  }

  /**
   * Spends the challenge whose guess was reserved, in the caller's transaction; false when
   * another request spent it meanwhile or it expired.
   */
  async consume(hash: Buffer, manager: EntityManager): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE mfa_challenges SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`,
      [hash],
    );
    return affected > 0;
  }

  /** Voids every pending second step of a user (their sessions were all ended). */
  async deleteAllOfUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM mfa_challenges WHERE user_id = $1`, [userId]);
  }

  /** Deletes up to `limit` challenges that expired more than `seconds` ago. */
  async deleteExpiredBefore(seconds: number, limit: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM mfa_challenges WHERE token_hash IN (
         SELECT token_hash FROM mfa_challenges
         WHERE expires_at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      [seconds, limit],
    );
    return affected;
  }
}

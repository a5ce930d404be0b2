import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A pending second step, as the login/mfa route reads it. */
export interface LiveChallengeRow {
  user_id: string;
  email: string;
}

/**
 * Every statement on `mfa_challenges`: the pending second steps of logins (`mfaToken`, only
 * its SHA-256 kept). A challenge is live while unused, unexpired and under the failure limit.
 */
@Injectable()
export class MfaChallengesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(userId: string, hash: Buffer, ttlSeconds: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO mfa_challenges (token_hash, user_id, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3::float8))`,
      [hash, userId, ttlSeconds],
    );
  }

  async findLive(hash: Buffer, maxFailures: number): Promise<LiveChallengeRow | undefined> {
    const rows: LiveChallengeRow[] = await this.dataSource.query(
      `SELECT c.user_id, u.email FROM mfa_challenges c JOIN users u ON u.id = c.user_id
       WHERE c.token_hash = $1 AND c.used_at IS NULL AND c.failures < $2
         AND c.expires_at > now()`,
      [hash, maxFailures],
    );
    return rows[0];
  }

  /** Spends a live challenge in one conditional statement; false when it is not live. */
  async consume(hash: Buffer, maxFailures: number, manager: EntityManager): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE mfa_challenges SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND failures < $2 AND expires_at > now()`,
      [hash, maxFailures],
    );
    return affected > 0;
  }

  /** Counts a wrong code against the challenge (at the limit it is void). */
  async recordFailure(hash: Buffer): Promise<void> {
    await this.dataSource.query(
      `UPDATE mfa_challenges SET failures = failures + 1
       WHERE token_hash = $1 AND used_at IS NULL`,
      [hash],
    );
  }

  /** Voids every pending second step of a user (their sessions were all ended). */
  async deleteAllOfUser(userId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM mfa_challenges WHERE user_id = $1`, [userId]);
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

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PreparedSql } from '../../database/prepared-sql';

/** A presented token, its session and its successor (if any), judged by the database clock. */
export interface RefreshTokenState {
  session_id: string;
  user_id: string;
  roles: string[];
  amr: string[];
  /** Whether the presented secret's hash matches, compared in constant time. */
  secret_ok: boolean;
  spent: boolean;
  spent_seconds_ago: string | null;
  token_live: boolean;
  session_revoked: boolean;
  session_live: boolean;
  child_id: string | null;
  child_hash: Buffer | null;
  child_current: boolean | null;
  child_expires_at: Date | null;
}

/** What a spend adds to the state: whether this call spent the token, and the successor's expiry. */
export interface SpendOutcome extends RefreshTokenState {
  spent_now: number;
  successor_expires_at: Date | null;
}

/** The token a logout presents, with its session's owner. */
export interface TokenOwnerRow {
  session_id: string;
  user_id: string;
  secret_hash: Buffer;
}

/**
 * The presented token's state (judged by the database clock), and whether $2 is the hash of
 * its secret, compared in constant time.
 */
const READ_STATE = `
  SELECT t.id, t.session_id, s.user_id, u.roles, s.amr,
         constant_time_equal(t.secret_hash, $2) AS secret_ok,
         t.rotated_at IS NOT NULL AS spent,
         extract(epoch FROM now() - t.rotated_at) AS spent_seconds_ago,
         t.expires_at > now() AS token_live,
         s.revoked_at IS NOT NULL AS session_revoked,
         (s.idle_expires_at > now() AND s.absolute_expires_at > now()) AS session_live,
         c.id AS child_id, c.secret_hash AS child_hash,
         c.rotated_at IS NULL AS child_current, c.expires_at AS child_expires_at
  FROM refresh_tokens t
  JOIN sessions s ON s.id = t.session_id
  JOIN users u ON u.id = s.user_id
  LEFT JOIN refresh_tokens c ON c.parent_id = t.id
  WHERE t.id = $1`;

/**
 * The common case in one round trip: check the secret, spend the token and create its
 * successor, and report the token's state for the other cases (grace, reuse, invalid). The
 * conditional UPDATE takes the row lock and re-checks `rotated_at IS NULL` after it, so of
 * any number of concurrent attempts (on any instance) exactly one spends the token.
 */
const SPEND = `
  WITH presented AS (${READ_STATE}
  ), spent AS (
    UPDATE refresh_tokens r SET rotated_at = now()
    FROM presented p
    WHERE r.id = p.id AND p.secret_ok AND NOT p.session_revoked AND p.session_live
      AND r.rotated_at IS NULL AND r.expires_at > now()
    RETURNING r.session_id
  ), session AS (
    UPDATE sessions s
    SET last_used_at = now(),
        idle_expires_at = least(now() + make_interval(secs => $5::float8), s.absolute_expires_at)
    FROM spent
    WHERE s.id = spent.session_id AND s.revoked_at IS NULL
      AND s.idle_expires_at > now() AND s.absolute_expires_at > now()
    RETURNING s.id, s.idle_expires_at
  ), successor AS (
    INSERT INTO refresh_tokens (id, session_id, parent_id, secret_hash, expires_at)
    SELECT $3, session.id, $1, $4, session.idle_expires_at FROM session
    RETURNING expires_at
  )
  SELECT p.*, (SELECT count(*)::int FROM spent) AS spent_now,
         (SELECT expires_at FROM successor) AS successor_expires_at
  FROM presented p`;

/** Every statement on `refresh_tokens`; the two of rotation are prepared (the hot path). */
@Injectable()
export class RefreshTokensRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: PreparedSql,
  ) {}

  /**
   * Spends the token if its secret matches and it is current, creating its successor with a
   * new idle expiry; returns the token's state either way (undefined for an unknown id).
   */
  async spend(
    presented: { id: string; secretHash: Buffer },
    successor: { id: string; secretHash: Buffer },
    idleSeconds: number,
  ): Promise<SpendOutcome | undefined> {
    const [row] = await this.sql.query<SpendOutcome>('latch_refresh_spend', SPEND, [
      presented.id,
      presented.secretHash,
      successor.id,
      successor.secretHash,
      idleSeconds,
    ]);
    return row;
  }

  /** The token's state without changing anything (undefined for an unknown id). */
  async readState(id: string, secretHash: Buffer): Promise<RefreshTokenState | undefined> {
    const [row] = await this.sql.query<RefreshTokenState>('latch_refresh_state', READ_STATE, [
      id,
      secretHash,
    ]);
    return row;
  }

  async findOwner(id: string): Promise<TokenOwnerRow | undefined> {
    const rows: TokenOwnerRow[] = await this.dataSource.query(
      `SELECT t.session_id, s.user_id, t.secret_hash FROM refresh_tokens t
       JOIN sessions s ON s.id = t.session_id WHERE t.id = $1`,
      [id],
    );
    return rows[0];
  }

  /** Deletes up to `limit` tokens that expired more than `seconds` ago. */
  async deleteExpiredBefore(seconds: number, limit: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM refresh_tokens WHERE id IN (
         SELECT id FROM refresh_tokens WHERE expires_at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      [seconds, limit],
    );
    return affected;
  }
}

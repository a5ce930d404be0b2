import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A session row as listed to its user. */
export interface ActiveSessionRow {
  id: string;
  created_at: Date;
  last_used_at: Date;
  idle_expires_at: Date;
  user_agent: string | null;
  ip: string | null;
}

/** A revoked session, as the revoker reports it. */
export interface RevokedSessionRow {
  id: string;
  user_id: string;
}

/** What opening a session needs: ids, lifetimes and the first refresh token's hash. */
export interface NewSession {
  sessionId: string;
  userId: string;
  idleSeconds: number;
  maxAgeSeconds: number;
  userAgent: string | null;
  ip: string | null;
  firstTokenId: string;
  firstTokenHash: Buffer;
  /** Open only while the user's password hash is still this one (the one just verified). */
  whilePasswordHash?: string;
  whilePasswordChangedAt?: string;
  /** How the user authenticated (RFC 8176 methods). */
  amr: string[];
}

/** Every statement on `sessions`. Rotation's statement, which also touches it, lives with refresh_tokens. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One statement: the session and its first refresh token exist together or not at all.
   * The user's row is share-locked, so a password change, a disabling or a change of roles
   * either waits for this session (and then revokes it) or commits first (and then no session
   * opens for the old password or the disabled account, and the roles returned are the new
   * ones). Undefined when the user is gone, disabled or the password changed.
   */
  async open(
    session: NewSession,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ expiresAt: Date; roles: string[] } | undefined> {
    // $10: the session's authentication methods (RFC 8176), copied into its access tokens.
    const rows: { expires_at: Date; roles: string[] }[] = await manager.query(
      `WITH owner AS (
         SELECT id, roles FROM users
         WHERE id = $2 AND NOT disabled AND ($9::text IS NULL OR password_hash = $9::text)
           AND ($11::timestamptz IS NULL OR password_changed_at = $11::timestamptz)
         FOR SHARE
       ), session AS (
         INSERT INTO sessions
           (id, user_id, idle_expires_at, absolute_expires_at, user_agent, ip, amr)
         SELECT $1, owner.id, now() + make_interval(secs => least($3::float8, $4::float8)),
                now() + make_interval(secs => $4::float8), $5, $6, $10::text[]
         FROM owner
         RETURNING id, idle_expires_at
       ), token AS (
         INSERT INTO refresh_tokens (id, session_id, secret_hash, expires_at)
         SELECT $7, session.id, $8, session.idle_expires_at FROM session
         RETURNING expires_at)
       SELECT token.expires_at, owner.roles FROM token, owner`,
      [
        session.sessionId,
        session.userId,
        session.idleSeconds,
        session.maxAgeSeconds,
        session.userAgent,
        session.ip,
        session.firstTokenId,
        session.firstTokenHash,
        session.whilePasswordHash ?? null,
        session.amr,
        session.whilePasswordChangedAt ?? null,
      ],
    );
    return rows[0] && { expiresAt: rows[0].expires_at, roles: rows[0].roles };
  }

  /** Active sessions of a user, newest first. */
  listActive(userId: string): Promise<ActiveSessionRow[]> {
    return this.dataSource.query(
      `SELECT id, created_at, last_used_at, idle_expires_at, user_agent, ip FROM sessions
       WHERE user_id = $1 AND revoked_at IS NULL
         AND idle_expires_at > now() AND absolute_expires_at > now()
       ORDER BY created_at DESC, id`,
      [userId],
    );
  }

  /**
   * Sets the authentication methods of one live session of a user (the next refresh carries
   * them); false when the session is not theirs or has ended.
   */
  async setAmr(
    userId: string,
    sessionId: string,
    amr: string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE sessions SET amr = $3::text[]
       WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [sessionId, userId, amr],
    );
    return affected > 0;
  }

  async belongsTo(sessionId: string, userId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2`,
      [sessionId, userId],
    );
    return rows.length > 0;
  }

  /** Revokes one session of a user, if it is theirs and still active. */
  revokeOne(userId: string, sessionId: string, reason: string, channel: string) {
    return this.revokeWhere('id = $3 AND user_id = $4', [sessionId, userId], reason, channel);
  }

  /** Revokes every active session of a user, optionally sparing one; in `manager`'s transaction if given. */
  revokeAllOfUser(
    userId: string,
    reason: string,
    channel: string,
    exceptSessionId?: string,
    manager?: EntityManager,
  ) {
    return exceptSessionId
      ? this.revokeWhere(
          'user_id = $3 AND id <> $4',
          [userId, exceptSessionId],
          reason,
          channel,
          manager,
        )
      : this.revokeWhere('user_id = $3', [userId], reason, channel, manager);
  }

  /** Ids of the sessions revoked within the last `seconds`. */
  async revokedWithin(seconds: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM sessions WHERE revoked_at > now() - make_interval(secs => $1::float8)`,
      [seconds],
    );
    return rows.map((row) => row.id);
  }

  /** Whether a session is revoked; an unknown session counts as revoked. */
  async isRevoked(sessionId: string): Promise<boolean> {
    const rows: { revoked: boolean }[] = await this.dataSource.query(
      `SELECT revoked_at IS NOT NULL AS revoked FROM sessions WHERE id = $1`,
      [sessionId],
    );
    return rows.length === 0 || rows[0].revoked;
  }

  /** Deletes up to `limit` sessions revoked or idle-expired more than `seconds` ago. */
  async deleteEndedBefore(seconds: number, limit: number): Promise<number> {
    // Idle expiry never exceeds the absolute one, so it alone says a session is over.
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions
         WHERE revoked_at < now() - make_interval(secs => $1::float8)
            OR idle_expires_at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      [seconds, limit],
    );
    return affected;
  }

  /**
   * The UPDATE and the NOTIFY to every other instance are one statement, so a committed
   * revocation is always announced.
   */
  private revokeWhere(
    condition: string,
    params: unknown[],
    reason: string,
    channel: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<RevokedSessionRow[]> {
    // pg_notify inside a transaction is delivered at its commit, with what it committed.
    return manager.query(
      `WITH revoked AS (
         UPDATE sessions SET revoked_at = now(), revoke_reason = $1
         WHERE revoked_at IS NULL AND ${condition}
         RETURNING id, user_id)
       SELECT id, user_id, pg_notify($2, id::text) FROM revoked`,
      [reason, channel, ...params],
    );
  }
}

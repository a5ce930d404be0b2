import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { authConfig } from '../../config/namespaces';
import { formatRefreshToken, hashSecret, newRefreshToken } from './refresh-token-format';
import { ClientContext } from './session-context';
import { IssuedRefreshToken } from './issued-refresh-token';

export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

/** Opens sessions and reads them back. Rotation lives in RefreshRotation. */
@Injectable()
export class SessionStore {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {}

  /** One statement: the session and its first refresh token exist together or not at all. */
  async open(
    userId: string,
    roles: string[],
    context: ClientContext,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IssuedRefreshToken> {
    const sessionId = randomUUID();
    const first = newRefreshToken();
    const rows: { expires_at: Date }[] = await manager.query(
      `WITH session AS (
         INSERT INTO sessions (id, user_id, idle_expires_at, absolute_expires_at, user_agent, ip)
         VALUES ($1, $2, now() + make_interval(secs => least($3::float8, $4::float8)),
                 now() + make_interval(secs => $4::float8), $5, $6)
         RETURNING id, idle_expires_at)
       INSERT INTO refresh_tokens (id, session_id, secret_hash, expires_at)
       SELECT $7, session.id, $8, session.idle_expires_at FROM session
       RETURNING expires_at`,
      [
        sessionId,
        userId,
        this.auth.refreshTtl,
        this.auth.sessionMaxAge,
        context.userAgent,
        context.ip,
        first.id,
        hashSecret(first.secret),
      ],
    );
    return {
      token: formatRefreshToken(first),
      sessionId,
      userId,
      roles,
      expiresAt: rows[0].expires_at,
    };
  }

  /** Active sessions of a user, newest first. */
  async listActive(userId: string, currentSessionId: string): Promise<SessionView[]> {
    const rows: {
      id: string;
      created_at: Date;
      last_used_at: Date;
      idle_expires_at: Date;
      user_agent: string | null;
      ip: string | null;
    }[] = await this.dataSource.query(
      `SELECT id, created_at, last_used_at, idle_expires_at, user_agent, ip FROM sessions
       WHERE user_id = $1 AND revoked_at IS NULL
         AND idle_expires_at > now() AND absolute_expires_at > now()
       ORDER BY created_at DESC, id`,
      [userId],
    );
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at.toISOString(),
      lastUsedAt: row.last_used_at.toISOString(),
      expiresAt: row.idle_expires_at.toISOString(),
      userAgent: row.user_agent,
      ip: row.ip,
      current: row.id === currentSessionId,
    }));
  }

  async belongsTo(sessionId: string, userId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2`,
      [sessionId, userId],
    );
    return rows.length > 0;
  }
}

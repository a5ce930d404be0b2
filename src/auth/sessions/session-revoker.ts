import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { REVOCATION_CHANNEL } from './revocation-listener';
import { RevokedSessions } from './revoked-sessions';
import { AuthEvents } from '../events/auth-events';
import { ClientContext } from './session-context';

export type RevokeReason =
  'logout' | 'logout_all' | 'session_deleted' | 'password_changed' | 'refresh_token_reused';

/**
 * Ends sessions. The UPDATE and the NOTIFY to every other instance are one statement, so a
 * committed revocation is always announced; this instance adds the ids to its own set at once.
 */
@Injectable()
export class SessionRevoker {
  constructor(
    private readonly dataSource: DataSource,
    private readonly revoked: RevokedSessions,
    private readonly events: AuthEvents,
  ) {}

  /** Revokes one session of a user; false when it is not theirs or already ended. */
  async revokeSession(
    userId: string,
    sessionId: string,
    reason: RevokeReason,
    context?: ClientContext,
  ): Promise<boolean> {
    const ids = await this.revokeWhere(
      'id = $3 AND user_id = $4',
      [sessionId, userId],
      reason,
      context,
    );
    return ids.length > 0;
  }

  /** Revokes every active session of a user, optionally sparing one. */
  revokeAllOfUser(
    userId: string,
    reason: RevokeReason,
    context?: ClientContext,
    exceptSessionId?: string,
  ): Promise<string[]> {
    return exceptSessionId
      ? this.revokeWhere('user_id = $3 AND id <> $4', [userId, exceptSessionId], reason, context)
      : this.revokeWhere('user_id = $3', [userId], reason, context);
  }

  private async revokeWhere(
    condition: string,
    params: unknown[],
    reason: RevokeReason,
    context?: ClientContext,
  ): Promise<string[]> {
    const rows: { id: string; user_id: string }[] = await this.dataSource.query(
      `WITH revoked AS (
         UPDATE sessions SET revoked_at = now(), revoke_reason = $1
         WHERE revoked_at IS NULL AND ${condition}
         RETURNING id, user_id)
       SELECT id, user_id, pg_notify($2, id::text) FROM revoked`,
      [reason, REVOCATION_CHANNEL, ...params],
    );
    this.revoked.add(rows.map((row) => row.id));
    for (const row of rows) {
      this.events.publish('session.revoked', {
        userId: row.user_id,
        sessionId: row.id,
        context,
        detail: { reason },
      });
    }
    return rows.map((row) => row.id);
  }
}

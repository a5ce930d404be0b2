import { Injectable } from '@nestjs/common';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import { RevokedSessionRow, SessionsRepository } from '../store/sessions.repository';
import { REVOCATION_CHANNEL } from './revocation-listener';
import { RevokedSessionSet } from './revoked-session-set';

export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'session_deleted'
  | 'password_changed'
  | 'password_reset'
  | 'refresh_token_reused';

/**
 * Ends sessions. The database announces each revocation to every other instance in the same
 * statement; this instance adds the ids to its own set at once.
 */
@Injectable()
export class SessionRevoker {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revoked: RevokedSessionSet,
    private readonly events: AuthEventBus,
  ) {}

  /** Revokes one session of a user; false when it is not theirs or already ended. */
  async revokeSession(
    userId: string,
    sessionId: string,
    reason: RevokeReason,
    context?: ClientContext,
  ): Promise<boolean> {
    const rows = await this.sessions.revokeOne(userId, sessionId, reason, REVOCATION_CHANNEL);
    return this.announce(rows, reason, context).length > 0;
  }

  /** Revokes every active session of a user, optionally sparing one. */
  async revokeAllOfUser(
    userId: string,
    reason: RevokeReason,
    context?: ClientContext,
    exceptSessionId?: string,
  ): Promise<string[]> {
    const rows = await this.sessions.revokeAllOfUser(
      userId,
      reason,
      REVOCATION_CHANNEL,
      exceptSessionId,
    );
    return this.announce(rows, reason, context);
  }

  private announce(
    rows: RevokedSessionRow[],
    reason: RevokeReason,
    context?: ClientContext,
  ): string[] {
    const ids = rows.map((row) => row.id);
    this.revoked.add(ids);
    for (const row of rows) {
      this.events.publish('session.revoked', {
        userId: row.user_id,
        sessionId: row.id,
        context,
        detail: { reason },
      });
    }
    return ids;
  }
}

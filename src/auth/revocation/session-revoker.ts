import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';
import { PrunerRegistry } from '../../maintenance/pruner-registry';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import { RevokedSessionRow, SessionsRepository } from '../sessions/sessions.repository';
import { DeletedSessionsRepository } from './deleted-sessions.repository';
import { RevocationHooks } from './revocation-hooks';
import { REVOCATION_CHANNEL } from './revocation-listener';
import { FORGET_MARGIN_MS, RevokedSessionSet } from './revoked-session-set';

export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'session_deleted'
  | 'password_changed'
  | 'refresh_token_reused'
  | 'password_reset'
  | 'account_disabled'
  | 'roles_changed'
  | 'account_deleted'
  | 'mfa_enabled';

/**
 * Ends sessions (and, with all of a user's, what the revocation hooks void: the pending
 * second steps). The database announces each revocation to every other instance in the same
 * statement; this instance adds the ids to its own set at once.
 */
@Injectable()
export class SessionRevoker implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sessions: SessionsRepository,
    private readonly deleted: DeletedSessionsRepository,
    private readonly revoked: RevokedSessionSet,
    private readonly hooks: RevocationHooks,
    private readonly events: AuthEventBus,
    private readonly pruners: PrunerRegistry,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  /** A deleted session's id is needed only while its access tokens may be unexpired. */
  onModuleInit(): void {
    const unexpired = this.auth.accessTtl + FORGET_MARGIN_MS / 1000;
    const keepSeconds = Math.max(this.auth.retention, unexpired);
    this.pruners.register({
      name: 'deletedSessions',
      prune: (batchSize) => this.deleted.deleteOlderThan(keepSeconds, batchSize),
    });
  }

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

  /**
   * Revokes every active session of a user, optionally sparing one, then runs the revocation
   * hooks (mfa/ voids the user's pending second steps: a login half done before a password
   * change, a reset or a "sign out everywhere" must not finish after it).
   */
  async revokeAllOfUser(
    userId: string,
    reason: RevokeReason,
    context?: ClientContext,
    exceptSessionId?: string,
  ): Promise<string[]> {
    // The sessions and what goes with them (pending second steps, mailed links) end together.
    const rows = await this.dataSource.transaction(async (manager) => {
      const revoked = await this.sessions.revokeAllOfUser(
        userId,
        reason,
        REVOCATION_CHANNEL,
        exceptSessionId,
        manager,
      );
      await this.hooks.runAllSessionsEnded(userId, manager);
      return revoked;
    });
    return this.announce(rows, reason, context);
  }

  /**
   * Before a user is deleted (and their sessions with them): revokes every session, then
   * records every session id of the user, so that an instance that loads its revoked set
   * after the rows are gone (start-up, listener reconnect) still refuses their access tokens.
   * The caller must already have made sure no new session can open (a disabled row).
   */
  async revokeAllBeforeDeletion(userId: string, context?: ClientContext): Promise<string[]> {
    const ids = await this.revokeAllOfUser(userId, 'account_deleted', context);
    await this.deleted.rememberAllOfUser(userId);
    return ids;
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

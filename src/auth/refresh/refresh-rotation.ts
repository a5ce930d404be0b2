import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import { SessionRevoker } from '../revocation/session-revoker';
import { RefreshTokenState, RefreshTokensRepository } from '../sessions/refresh-tokens.repository';
import { IssuedRefreshToken } from './issued-refresh-token';
import { RefreshDerivationKey } from './refresh-derivation-key';
import { invalidGrant, refreshTokenReused } from './refresh-errors';
import {
  deriveSuccessor,
  formatRefreshToken,
  hashSecret,
  RefreshTokenParts,
  secretMatches,
} from './refresh-token-format';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';

function issuedFor(
  state: RefreshTokenState,
  successor: RefreshTokenParts,
  expiresAt: Date,
): IssuedRefreshToken {
  return {
    token: formatRefreshToken(successor),
    sessionId: state.session_id,
    userId: state.user_id,
    roles: state.roles,
    amr: state.amr,
    expiresAt,
  };
}

/** Rotation, the grace window and reuse detection: every rule about spending a refresh token. */
@Injectable()
export class RefreshRotation {
  private readonly logger = new Logger(RefreshRotation.name);

  constructor(
    private readonly tokens: RefreshTokensRepository,
    private readonly derivationKey: RefreshDerivationKey,
    private readonly revoker: SessionRevoker,
    private readonly events: AuthEventBus,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  async rotate(presented: RefreshTokenParts, context: ClientContext): Promise<IssuedRefreshToken> {
    const successor = deriveSuccessor(this.derivationKey.current, presented.secret, randomUUID());
    const presentedHash = hashSecret(presented.secret);
    const row = await this.tokens.spend(
      { id: presented.id, secretHash: presentedHash },
      { id: successor.id, secretHash: hashSecret(successor.secret) },
      this.auth.refreshTtl,
    );
    if (!row?.secret_ok) throw invalidGrant();
    if (row.spent_now === 1) {
      if (!row.successor_expires_at) throw invalidGrant(); // the session ended concurrently
      const issued = issuedFor(row, successor, row.successor_expires_at);
      this.events.publish('token.refreshed', {
        userId: issued.userId,
        sessionId: issued.sessionId,
        context,
      });
      return issued;
    }
    let state: RefreshTokenState = row;
    if (!state.spent) {
      if (state.session_revoked || !state.session_live || !state.token_live) throw invalidGrant();
      // Lost a race: another request spent it after this statement's snapshot was taken.
      const reread = await this.tokens.readState(presented.id, presentedHash);
      if (!reread?.secret_ok || !reread.spent) throw invalidGrant();
      state = reread;
    }
    return this.replaySpent(presented, state, context);
  }

  /**
   * A spent token: inside the grace window, when it is the immediate parent of the current
   * token, the caller gets that same successor again. Anything else is reuse.
   */
  private async replaySpent(
    presented: RefreshTokenParts,
    state: RefreshTokenState,
    context: ClientContext,
  ): Promise<IssuedRefreshToken> {
    if (!state.session_live) throw invalidGrant();
    const withinGrace =
      this.auth.reuseGrace > 0 &&
      Number(state.spent_seconds_ago) <= this.auth.reuseGrace &&
      state.child_id !== null &&
      state.child_current === true &&
      !state.session_revoked;
    if (withinGrace && state.child_id && state.child_hash && state.child_expires_at) {
      const successor = this.rederive(presented, state.child_id, state.child_hash);
      if (successor) return issuedFor(state, successor, state.child_expires_at);
    }
    if (!state.session_revoked) {
      // A replayed token means one of two holders is not the user: worth a line for whoever
      // watches the logs, besides the audit event.
      this.logger.warn(
        { reqId: context.requestId, sessionId: state.session_id, userId: state.user_id },
        'refresh token reused: session revoked',
      );
      await this.revoker.revokeSession(
        state.user_id,
        state.session_id,
        'refresh_token_reused',
        context,
      );
      this.events.publish('token.reuse_detected', {
        userId: state.user_id,
        sessionId: state.session_id,
        context,
      });
    }
    throw refreshTokenReused();
  }

  /**
   * The successor the presented token was spent into, derived again. The child may have been
   * derived by an older key of the ring (a rotation since, or another instance), so every key
   * is tried; each comparison is constant-time and none stops the others.
   */
  private rederive(
    presented: RefreshTokenParts,
    childId: string,
    childHash: Buffer,
  ): RefreshTokenParts | undefined {
    let found: RefreshTokenParts | undefined;
    for (const key of this.derivationKey.all) {
      const candidate = deriveSuccessor(key, presented.secret, childId);
      if (secretMatches(candidate.secret, childHash)) found ??= candidate;
    }
    return found;
  }
}

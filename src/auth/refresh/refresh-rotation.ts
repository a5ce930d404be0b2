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

/** How spending a refresh token ended; rotate() answers each and reports it. */
type RotationOutcome =
  | { kind: 'rotated' | 'grace'; issued: IssuedRefreshToken }
  | { kind: 'reused' }
  | { kind: 'invalid' };
const INVALID: RotationOutcome = { kind: 'invalid' };

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
    const outcome = await this.spend(presented, context);
    switch (outcome.kind) {
      case 'rotated':
        this.events.publish('token.refreshed', {
          userId: outcome.issued.userId,
          sessionId: outcome.issued.sessionId,
          context,
        });
        return outcome.issued;
      case 'grace':
        this.events.signal('refresh.grace', {});
        return outcome.issued;
      case 'reused':
        this.events.signal('refresh.refused', { outcome: 'reused' });
        throw refreshTokenReused();
      case 'invalid':
        this.events.signal('refresh.refused', { outcome: 'invalid' });
        throw invalidGrant();
    }
  }

  private async spend(
    presented: RefreshTokenParts,
    context: ClientContext,
  ): Promise<RotationOutcome> {
    const successor = deriveSuccessor(this.derivationKey.current, presented.secret, randomUUID());
    const presentedHash = hashSecret(presented.secret);
    const row = await this.tokens.spend(
      { id: presented.id, secretHash: presentedHash },
      { id: successor.id, secretHash: hashSecret(successor.secret) },
      this.auth.refreshTtl,
    );
    if (!row?.secret_ok) return INVALID;
    if (row.spent_now === 1) {
      if (!row.successor_expires_at) return INVALID; // the session ended concurrently
      return { kind: 'rotated', issued: issuedFor(row, successor, row.successor_expires_at) };
    }
    let state: RefreshTokenState = row;
    if (!state.spent) {
      if (state.session_revoked || !state.session_live || !state.token_live) return INVALID;
      // Lost a race: another request spent it after this statement's snapshot was taken.
      const reread = await this.tokens.readState(presented.id, presentedHash);
      if (!reread?.secret_ok || !reread.spent) return INVALID;
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
  ): Promise<RotationOutcome> {
    if (!state.session_live) return INVALID;
    const withinGrace =
      this.auth.reuseGrace > 0 &&
      Number(state.spent_seconds_ago) <= this.auth.reuseGrace &&
      state.child_id !== null &&
      state.child_current === true &&
      !state.session_revoked;
    if (withinGrace && state.child_id && state.child_hash && state.child_expires_at) {
      const successor = this.rederive(presented, state.child_id, state.child_hash);
      if (successor)
        return { kind: 'grace', issued: issuedFor(state, successor, state.child_expires_at) };
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
    return { kind: 'reused' };
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

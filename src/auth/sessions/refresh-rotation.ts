import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { PreparedSql } from '../../database/prepared-sql';
import { ProblemException } from '../../common/problem';
import { authConfig } from '../../config/namespaces';
import { AuthEvents } from '../events/auth-events';
import { invalidGrant } from '../tokens/token-errors';
import { IssuedRefreshToken } from './issued-refresh-token';
import {
  deriveSuccessor,
  formatRefreshToken,
  hashSecret,
  RefreshTokenParts,
  secretMatches,
} from './refresh-token-format';
import { ServerSecrets } from './server-secrets';
import { ClientContext } from './session-context';
import { SessionRevoker } from './session-revoker';

/** The presented token, its session and its successor (if any), judged by the database clock. */
interface TokenState {
  session_id: string;
  user_id: string;
  roles: string[];
  secret_hash: Buffer;
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

const READ_STATE = `
  SELECT t.session_id, s.user_id, u.roles, t.secret_hash,
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
 * Spend the token and create its successor in one statement. The conditional UPDATE takes
 * the row lock, so of any number of concurrent attempts (on any instance) exactly one sees
 * `rotated_at IS NULL`; the others match nothing and fall back to the grace rules.
 */
const ROTATE = `
  WITH spent AS (
    UPDATE refresh_tokens SET rotated_at = now()
    WHERE id = $1 AND rotated_at IS NULL AND expires_at > now()
    RETURNING session_id
  ), session AS (
    UPDATE sessions s
    SET last_used_at = now(),
        idle_expires_at = least(now() + make_interval(secs => $4::float8), s.absolute_expires_at)
    FROM spent
    WHERE s.id = spent.session_id AND s.revoked_at IS NULL
      AND s.idle_expires_at > now() AND s.absolute_expires_at > now()
    RETURNING s.id, s.idle_expires_at
  ), successor AS (
    INSERT INTO refresh_tokens (id, session_id, parent_id, secret_hash, expires_at)
    SELECT $2, session.id, $1, $3, session.idle_expires_at FROM session
    RETURNING expires_at
  )
  SELECT (SELECT count(*)::int FROM spent) AS spent, (SELECT expires_at FROM successor) AS expires_at`;

/** Rotation, the grace window and reuse detection: every rule about spending a refresh token. */
@Injectable()
export class RefreshRotation {
  private readonly logger = new Logger(RefreshRotation.name);

  constructor(
    private readonly sql: PreparedSql,
    private readonly secrets: ServerSecrets,
    private readonly revoker: SessionRevoker,
    private readonly events: AuthEvents,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {}

  async rotate(presented: RefreshTokenParts, context: ClientContext): Promise<IssuedRefreshToken> {
    let state = await this.readState(presented);
    if (!state.spent) {
      if (state.session_revoked || !state.session_live || !state.token_live) throw invalidGrant();
      const issued = await this.trySpend(presented, state);
      if (issued) {
        this.events.publish('token.refreshed', {
          userId: issued.userId,
          sessionId: issued.sessionId,
          context,
        });
        return issued;
      }
      state = await this.readState(presented); // lost a race: someone else spent it just now
      if (!state.spent) throw invalidGrant();
    }
    return this.replaySpent(presented, state, context);
  }

  /** Finds the token and proves the caller holds its secret (constant-time). */
  private async readState(presented: RefreshTokenParts): Promise<TokenState> {
    const rows = await this.sql.query<TokenState>('latch_refresh_state', READ_STATE, [
      presented.id,
    ]);
    if (rows.length === 0 || !secretMatches(presented.secret, rows[0].secret_hash)) {
      throw invalidGrant();
    }
    return rows[0];
  }

  private async trySpend(
    presented: RefreshTokenParts,
    state: TokenState,
  ): Promise<IssuedRefreshToken | null> {
    const key = await this.secrets.refreshDerivationKey();
    const successor = deriveSuccessor(key, presented.secret, randomUUID());
    const rows = await this.sql.query<{ spent: number; expires_at: Date | null }>(
      'latch_refresh_rotate',
      ROTATE,
      [presented.id, successor.id, hashSecret(successor.secret), this.auth.refreshTtl],
    );
    const { spent, expires_at: expiresAt } = rows[0];
    if (spent === 0) return null;
    if (!expiresAt) throw invalidGrant(); // the session ended concurrently
    return {
      token: formatRefreshToken(successor),
      sessionId: state.session_id,
      userId: state.user_id,
      roles: state.roles,
      expiresAt,
    };
  }

  /**
   * A spent token: inside the grace window, when it is the immediate parent of the current
   * token, the caller gets that same successor again. Anything else is reuse.
   */
  private async replaySpent(
    presented: RefreshTokenParts,
    state: TokenState,
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
      const key = await this.secrets.refreshDerivationKey();
      const successor = deriveSuccessor(key, presented.secret, state.child_id);
      if (secretMatches(successor.secret, state.child_hash)) {
        return {
          token: formatRefreshToken(successor),
          sessionId: state.session_id,
          userId: state.user_id,
          roles: state.roles,
          expiresAt: state.child_expires_at,
        };
      }
    }
    if (!state.session_revoked) {
      // A replayed token means one of two holders is not the user: worth a line for whoever
      // watches the logs, besides the audit event.
      this.logger.warn(
        { sessionId: state.session_id, userId: state.user_id },
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
    throw new ProblemException(
      HttpStatus.UNAUTHORIZED,
      'refresh_token_reused',
      'this refresh token was already used; the session has been revoked',
    );
  }
}

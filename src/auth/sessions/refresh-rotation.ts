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

/** What SPEND adds: whether this call spent the token, and the successor's expiry. */
interface SpendOutcome {
  secret_ok: boolean;
  spent_now: number;
  successor_expires_at: Date | null;
}

/**
 * The presented token's state (judged by the database clock), and whether $2 is the hash of
 * its secret, compared in constant time.
 */
const READ_STATE = `
  SELECT t.id, t.session_id, s.user_id, u.roles,
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

function issuedFor(
  state: TokenState,
  successor: RefreshTokenParts,
  expiresAt: Date,
): IssuedRefreshToken {
  return {
    token: formatRefreshToken(successor),
    sessionId: state.session_id,
    userId: state.user_id,
    roles: state.roles,
    expiresAt,
  };
}

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
    const key = await this.secrets.refreshDerivationKey();
    const successor = deriveSuccessor(key, presented.secret, randomUUID());
    const presentedHash = hashSecret(presented.secret);
    const [row] = await this.sql.query<TokenState & SpendOutcome>('latch_refresh_spend', SPEND, [
      presented.id,
      presentedHash,
      successor.id,
      hashSecret(successor.secret),
      this.auth.refreshTtl,
    ]);
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
    let state: TokenState = row;
    if (!state.spent) {
      if (state.session_revoked || !state.session_live || !state.token_live) throw invalidGrant();
      // Lost a race: another request spent it after this statement's snapshot was taken.
      state = await this.readState(presented.id, presentedHash);
      if (!state.spent) throw invalidGrant();
    }
    return this.replaySpent(presented, state, key, context);
  }

  private async readState(id: string, presentedHash: Buffer): Promise<TokenState> {
    const rows = await this.sql.query<TokenState & { secret_ok: boolean }>(
      'latch_refresh_state',
      READ_STATE,
      [id, presentedHash],
    );
    if (!rows[0]?.secret_ok) throw invalidGrant();
    return rows[0];
  }

  /**
   * A spent token: inside the grace window, when it is the immediate parent of the current
   * token, the caller gets that same successor again. Anything else is reuse.
   */
  private async replaySpent(
    presented: RefreshTokenParts,
    state: TokenState,
    key: Buffer,
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
      const successor = deriveSuccessor(key, presented.secret, state.child_id);
      if (secretMatches(successor.secret, state.child_hash)) {
        return issuedFor(state, successor, state.child_expires_at);
      }
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
    throw new ProblemException(
      HttpStatus.UNAUTHORIZED,
      'refresh_token_reused',
      'this refresh token was already used; the session has been revoked',
    );
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';

import type { ClientContext } from '../client-context';
import { SessionResponse } from '../dto/token-response.dto';
import type { Principal } from '../principal';
import { IssuedRefreshToken } from '../refresh/issued-refresh-token';
import type { RefreshCredentials } from '../refresh/refresh-credentials';
import {
  formatRefreshToken,
  hashSecret,
  newRefreshToken,
  secretMatches,
} from '../refresh/refresh-token-format';
import { SessionRevoker } from '../revocation/session-revoker';
import { AMR_PASSWORD } from '../tokens/access-token-claims';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionsRepository } from './sessions.repository';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';

/** Opening, listing and ending sessions. Rotation lives in RefreshRotation. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tokens: RefreshTokensRepository,
    private readonly revoker: SessionRevoker,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  /**
   * A new session with its first refresh token, inside the caller's transaction if given.
   * With `whilePasswordHash`, only if the user's password is still the one just verified;
   * never for a disabled account (undefined). The roles are those of the user's row as the
   * session opened, not an earlier read, so a role removed meanwhile is not handed out.
   */
  async open(
    userId: string,
    context: ClientContext,
    options: {
      manager?: EntityManager;
      whilePasswordHash?: string;
      /** Only if the password is still the one of this `password_changed_at` (its text). */
      whilePasswordChangedAt?: string;
      amr?: string[];
    } = {},
  ): Promise<IssuedRefreshToken | undefined> {
    const sessionId = randomUUID();
    const first = newRefreshToken();
    const opened = await this.sessions.open(
      {
        sessionId,
        userId,
        idleSeconds: this.auth.refreshTtl,
        maxAgeSeconds: this.auth.sessionMaxAge,
        userAgent: context.userAgent,
        ip: context.ip,
        firstTokenId: first.id,
        firstTokenHash: hashSecret(first.secret),
        whilePasswordHash: options.whilePasswordHash,
        whilePasswordChangedAt: options.whilePasswordChangedAt,
        amr: options.amr ?? AMR_PASSWORD,
      },
      options.manager,
    );
    if (!opened) return undefined;
    return {
      token: formatRefreshToken(first),
      sessionId,
      userId,
      roles: opened.roles,
      amr: options.amr ?? AMR_PASSWORD,
      expiresAt: opened.expiresAt,
    };
  }

  /** The caller's active sessions, newest first. */
  async list(principal: Principal): Promise<SessionResponse[]> {
    const rows = await this.sessions.listActive(principal.userId);
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at.toISOString(),
      lastUsedAt: row.last_used_at.toISOString(),
      expiresAt: row.idle_expires_at.toISOString(),
      userAgent: row.user_agent,
      ip: row.ip,
      current: row.id === principal.sessionId,
    }));
  }

  /** Ends one of the caller's sessions; false when it is not theirs. Ending it twice is fine. */
  async end(principal: Principal, sessionId: string, context: ClientContext): Promise<boolean> {
    if (await this.revoker.revokeSession(principal.userId, sessionId, 'session_deleted', context)) {
      return true;
    }
    return this.sessions.belongsTo(sessionId, principal.userId);
  }

  logoutAll(principal: Principal, context: ClientContext): Promise<string[]> {
    return this.revoker.revokeAllOfUser(principal.userId, 'logout_all', context);
  }

  /** Ends the session named by an access token or proven by any of its refresh tokens. */
  async logout(credential: Principal | RefreshCredentials, context: ClientContext): Promise<void> {
    if ('sessionId' in credential) {
      await this.revoker.revokeSession(credential.userId, credential.sessionId, 'logout', context);
      return;
    }
    const owner = await this.tokens.findOwner(credential.parts.id);
    if (owner && secretMatches(credential.parts.secret, owner.secret_hash)) {
      await this.revoker.revokeSession(owner.user_id, owner.session_id, 'logout', context);
    }
  }
}

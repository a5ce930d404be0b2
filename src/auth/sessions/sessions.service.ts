import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../principal';
import type { RefreshCredentials } from '../strategies/refresh-credentials';
import { IssuedRefreshToken } from './issued-refresh-token';
import { RefreshRotation } from './refresh-rotation';
import { secretMatches } from './refresh-token-format';
import { ClientContext } from './session-context';
import { SessionRevoker } from './session-revoker';
import { SessionStore, SessionView } from './session-store';

/** What a signed-in user does with sessions: refresh, list, end one, end all. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rotation: RefreshRotation,
    private readonly store: SessionStore,
    private readonly revoker: SessionRevoker,
  ) {}

  refresh(credentials: RefreshCredentials, context: ClientContext): Promise<IssuedRefreshToken> {
    return this.rotation.rotate(credentials.parts, context);
  }

  list(principal: Principal): Promise<SessionView[]> {
    return this.store.listActive(principal.userId, principal.sessionId);
  }

  /** Ends one of the caller's sessions; false when it is not theirs. Ending it twice is fine. */
  async end(principal: Principal, sessionId: string, context: ClientContext): Promise<boolean> {
    if (await this.revoker.revokeSession(principal.userId, sessionId, 'session_deleted', context)) {
      return true;
    }
    return this.store.belongsTo(sessionId, principal.userId);
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
    const rows: { session_id: string; user_id: string; secret_hash: Buffer }[] =
      await this.dataSource.query(
        `SELECT t.session_id, s.user_id, t.secret_hash FROM refresh_tokens t
         JOIN sessions s ON s.id = t.session_id WHERE t.id = $1`,
        [credential.parts.id],
      );
    const row = rows[0];
    if (row && secretMatches(credential.parts.secret, row.secret_hash)) {
      await this.revoker.revokeSession(row.user_id, row.session_id, 'logout', context);
    }
  }
}

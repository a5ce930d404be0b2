import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';
import { PrunerRegistry } from '../../maintenance/pruner-registry';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionsRepository } from './sessions.repository';

/**
 * Sessions revoked or expired, and refresh tokens expired, more than AUTH_RETENTION ago.
 * Sessions go first: their tokens go with them (ON DELETE CASCADE), so the refresh-token
 * count is of tokens that expired inside a session still kept.
 */
@Injectable()
export class SessionPruning implements OnModuleInit {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tokens: RefreshTokensRepository,
    private readonly pruners: PrunerRegistry,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  onModuleInit(): void {
    const retention = this.auth.retention;
    this.pruners.register(
      { name: 'sessions', prune: (n) => this.sessions.deleteEndedBefore(retention, n) },
      { name: 'refreshTokens', prune: (n) => this.tokens.deleteExpiredBefore(retention, n) },
    );
  }
}

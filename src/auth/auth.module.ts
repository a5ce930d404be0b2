import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';

import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { CredentialsService } from './credentials.service';
import { AuditLog } from './events/audit-log';
import { AuthEventBus } from './events/auth-event-bus';
import { GuardedRoutesCheck } from './guarded-routes';
import { LoginLockout } from './passwords/login-lockout';
import { PasswordHasher } from './passwords/password-hasher';
import { RATE_LIMIT_STORAGE, RateLimitStorageModule } from './rate-limit/rate-limit-storage.module';
import { RefreshCredentialsReader } from './refresh/refresh-credentials';
import { RefreshDerivationKey } from './refresh/refresh-derivation-key';
import { RefreshRotation } from './refresh/refresh-rotation';
import { RefreshTokenGuard } from './refresh/refresh-token.guard';
import { RefreshTokenStrategy } from './refresh/refresh-token.strategy';
import { RevocationListener } from './revocation/revocation-listener';
import { RevokedSessionSet } from './revocation/revoked-session-set';
import { RevocationHooks } from './revocation/revocation-hooks';
import { SessionRevoker } from './revocation/session-revoker';
import { FeedPacing } from './revocation/feed/feed-pacing';
import { FeedTokenGuard } from './revocation/feed/feed-token.guard';
import { RevocationFeed } from './revocation/feed/revocation-feed';
import { RevocationFeedController } from './revocation/feed/revocation-feed.controller';
import {
  LogoutAccessTokenGuard,
  LogoutGuard,
  LogoutRefreshTokenGuard,
} from './sessions/logout.guard';
import { SessionPruning } from './sessions/session-pruning';
import { SessionsService } from './sessions/sessions.service';
import { AuditEventsRepository } from './events/audit-events.repository';
import { DeletedSessionsRepository } from './revocation/deleted-sessions.repository';
import { LoginAttemptsRepository } from './passwords/login-attempts.repository';
import { RefreshTokensRepository } from './sessions/refresh-tokens.repository';
import { SessionsRepository } from './sessions/sessions.repository';
import { TokenResponder } from './token-responder';
import { MfaModule } from './mfa/mfa.module';
import { PasskeysModule } from './passkeys/passkeys.module';
import { UserCreationHooks } from './user-creation-hooks';
import { UserCredentials } from './user-credentials';
import { AccountOpening } from './account-opening';
import { AccessTokenIssuer } from './tokens/access-token-issuer';
import { AccessTokenGuard } from './tokens/access-token.guard';
import { AccessTokenStrategy } from './tokens/access-token.strategy';
import { JwksController } from './tokens/jwks.controller';
import { SigningKeys } from './tokens/signing-keys';
import { VerifiedTokenCache } from './tokens/verified-token-cache';
import { AUTH_SETTINGS, AuthSettings } from '../latch.settings';

const MINUTE_MS = 60_000;

/**
 * Credentials, tokens and sessions, with the second factor as a sub-module (MfaModule) that
 * the password login asks through SECOND_FACTOR. Global so that any feature module can put
 * `@UseGuards(AccessTokenGuard)` or `@Authorized()` on a controller; it exports the guards'
 * dependencies, the auth event bus, what accounts/ builds on (password confirmation, the
 * lockout, the revoker) and what mfa/ builds on (sessions, the revocation hooks, the token
 * response). Each owner of a table registers its own pruner with the cleanup job.
 */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    UsersModule,
    MfaModule,
    PasskeysModule,
    PassportModule,
    JwtModule.register({}),
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [AUTH_SETTINGS, RATE_LIMIT_STORAGE],
      useFactory: (auth: AuthSettings, storage: ThrottlerStorage | null) => ({
        throttlers: [
          {
            name: 'login',
            ttl: MINUTE_MS,
            limit: auth.loginRateLimit,
            skipIf: () => auth.loginRateLimit === 0,
          },
          {
            name: 'refresh',
            ttl: MINUTE_MS,
            limit: auth.refreshRateLimit,
            skipIf: () => auth.refreshRateLimit === 0,
          },
        ],
        storage: storage ?? undefined,
      }),
    }),
  ],
  controllers: [AuthController, JwksController, RevocationFeedController],
  providers: [
    // tokens/
    AccessTokenIssuer,
    AccessTokenStrategy,
    AccessTokenGuard,
    SigningKeys,
    VerifiedTokenCache,
    // refresh/
    RefreshCredentialsReader,
    RefreshDerivationKey,
    RefreshRotation,
    RefreshTokenGuard,
    RefreshTokenStrategy,
    // revocation/
    RevocationListener,
    RevocationHooks,
    RevokedSessionSet,
    SessionRevoker,
    DeletedSessionsRepository,
    RevocationFeed,
    FeedPacing,
    FeedTokenGuard,
    // sessions/ (with their refresh tokens)
    SessionsService,
    SessionPruning,
    SessionsRepository,
    RefreshTokensRepository,
    LogoutGuard,
    LogoutAccessTokenGuard,
    LogoutRefreshTokenGuard,
    // passwords/, events/, decorators/ (and the start-up check of every route)
    CredentialsService,
    LoginLockout,
    LoginAttemptsRepository,
    PasswordHasher,
    AuditLog,
    AuditEventsRepository,
    AuthEventBus,
    GuardedRoutesCheck,
    TokenResponder,
    UserCreationHooks,
    UserCredentials,
    AccountOpening,
  ],
  exports: [
    AccessTokenGuard,
    AuthEventBus,
    CredentialsService,
    LoginLockout,
    MfaModule,
    PasswordHasher,
    RevocationHooks,
    // for the metrics (latch_revocation_listener_up)
    RevocationListener,
    SessionRevoker,
    SessionsRepository,
    SessionsService,
    TokenResponder,
    UserCreationHooks,
    UserCredentials,
    AccountOpening,
  ],
})
export class AuthModule {}

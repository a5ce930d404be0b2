import { Global, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';
import { authConfig } from '../config/namespaces';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { CredentialsService } from './credentials.service';
import { AuditLog } from './events/audit-log.service';
import { AuthEvents } from './events/auth-events';
import { AccessTokenGuard } from './guards/access-token.guard';
import { LogoutGuard } from './guards/logout.guard';
import { RefreshTokenGuard } from './guards/refresh-token.guard';
import { RolesGuard } from './guards/roles.guard';
import { LoginLockout } from './passwords/login-lockout';
import { PasswordHasher } from './passwords/password-hasher';
import { RATE_LIMIT_STORAGE, RateLimitStorageModule } from './rate-limit/rate-limit-storage.module';
import { RefreshRotation } from './sessions/refresh-rotation';
import { RevocationListener } from './sessions/revocation-listener';
import { RevokedSessions } from './sessions/revoked-sessions';
import { ServerSecrets } from './sessions/server-secrets';
import { SessionRevoker } from './sessions/session-revoker';
import { SessionStore } from './sessions/session-store';
import { SessionsService } from './sessions/sessions.service';
import { AccessTokenStrategy } from './strategies/access-token.strategy';
import { RefreshCredentialsReader } from './strategies/refresh-credentials';
import { RefreshTokenStrategy } from './strategies/refresh-token.strategy';
import { TokenResponder } from './token-responder';
import { AccessTokenService } from './tokens/access-token.service';
import { JwksController } from './tokens/jwks.controller';
import { SigningKeys } from './tokens/signing-keys';
import { VerifiedTokenCache } from './tokens/verified-token-cache';

const MINUTE_MS = 60_000;

/**
 * Credentials, tokens and sessions. Global so that any feature module can put
 * `@UseGuards(AccessTokenGuard)` or `@Authorized()` on a controller; it exports the guards'
 * dependencies and the auth event bus, nothing else.
 */
@Global()
@Module({
  imports: [
    UsersModule,
    PassportModule,
    JwtModule.register({}),
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [authConfig.KEY, RATE_LIMIT_STORAGE],
      useFactory: (auth: ConfigType<typeof authConfig>, storage: ThrottlerStorage | null) => ({
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
  controllers: [AuthController, JwksController],
  providers: [
    AccessTokenService,
    AccessTokenStrategy,
    AccessTokenGuard,
    AuditLog,
    AuthEvents,
    CredentialsService,
    LoginLockout,
    LogoutGuard,
    PasswordHasher,
    RefreshCredentialsReader,
    RefreshRotation,
    RefreshTokenGuard,
    RefreshTokenStrategy,
    RevocationListener,
    RevokedSessions,
    RolesGuard,
    ServerSecrets,
    SessionRevoker,
    SessionStore,
    SessionsService,
    SigningKeys,
    TokenResponder,
    VerifiedTokenCache,
  ],
  exports: [
    AccessTokenGuard,
    RolesGuard,
    VerifiedTokenCache,
    RevokedSessions,
    AuthEvents,
    PasswordHasher,
  ],
})
export class AuthModule {}

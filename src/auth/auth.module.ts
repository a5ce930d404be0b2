import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';

import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { CredentialsService } from './credentials.service';
import { RolesGuard } from './decorators/roles.guard';
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
import { SessionRevoker } from './revocation/session-revoker';
import { LogoutGuard } from './sessions/logout.guard';
import { SessionsService } from './sessions/sessions.service';
import { AuditEventsRepository } from './events/audit-events.repository';
import { DeletedSessionsRepository } from './revocation/deleted-sessions.repository';
import { LoginAttemptsRepository } from './passwords/login-attempts.repository';
import { RefreshTokensRepository } from './sessions/refresh-tokens.repository';
import { SessionsRepository } from './sessions/sessions.repository';
import { TokenResponder } from './token-responder';
import { StepUpGuard } from './decorators/step-up.guard';
import { MfaChallenges } from './mfa/mfa-challenges';
import { MfaLogin } from './mfa/mfa-login.service';
import { MfaController } from './mfa/mfa.controller';
import { SecondFactorVerifier } from './mfa/second-factor-verifier';
import { TotpClock } from './mfa/totp-clock';
import { TotpEnrolment } from './mfa/totp-enrolment.service';
import { TotpSecretCipher } from './mfa/totp-secret-cipher';
import { MfaChallengesRepository } from './mfa/mfa-challenges.repository';
import { RecoveryCodesRepository } from './mfa/recovery-codes.repository';
import { TotpFactorsRepository } from './mfa/totp-factors.repository';
import { UserCreationHooks } from './user-creation-hooks';
import { AccessTokenIssuer } from './tokens/access-token-issuer';
import { AccessTokenVerifier } from './tokens/access-token-verifier';
import { AccessTokenGuard } from './tokens/access-token.guard';
import { AccessTokenStrategy } from './tokens/access-token.strategy';
import { JwksController } from './tokens/jwks.controller';
import { SigningKeys } from './tokens/signing-keys';
import { VerifiedTokenCache } from './tokens/verified-token-cache';
import { AUTH_SETTINGS, AuthSettings } from '../latch.settings';

const MINUTE_MS = 60_000;

/**
 * Credentials, tokens and sessions. Global so that any feature module can put
 * `@UseGuards(AccessTokenGuard)` or `@Authorized()` on a controller; it exports the guards'
 * dependencies, the auth event bus, what accounts/ builds on (password confirmation, the
 * lockout, the revoker) and the repositories the maintenance job prunes.
 */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    UsersModule,
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
  controllers: [AuthController, MfaController, JwksController],
  providers: [
    // tokens/
    AccessTokenIssuer,
    AccessTokenVerifier,
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
    RevokedSessionSet,
    SessionRevoker,
    // sessions/, passwords/, events/, decorators/ (and the start-up check of every route)
    SessionsService,
    LogoutGuard,
    CredentialsService,
    LoginLockout,
    PasswordHasher,
    AuditLog,
    AuthEventBus,
    RolesGuard,
    StepUpGuard,
    GuardedRoutesCheck,
    TokenResponder,
    UserCreationHooks,
    // mfa/
    MfaChallenges,
    MfaLogin,
    SecondFactorVerifier,
    TotpClock,
    TotpEnrolment,
    TotpSecretCipher,
    // store/: one repository per table
    AuditEventsRepository,
    DeletedSessionsRepository,
    LoginAttemptsRepository,
    MfaChallengesRepository,
    RecoveryCodesRepository,
    RefreshTokensRepository,
    SessionsRepository,
    TotpFactorsRepository,
  ],
  exports: [
    AccessTokenGuard,
    AccessTokenVerifier,
    RolesGuard,
    StepUpGuard,
    AuthEventBus,
    CredentialsService,
    LoginLockout,
    PasswordHasher,
    SessionRevoker,
    UserCreationHooks,
    AuditEventsRepository,
    DeletedSessionsRepository,
    LoginAttemptsRepository,
    MfaChallengesRepository,
    RefreshTokensRepository,
    SessionsRepository,
  ],
})
export class AuthModule {}

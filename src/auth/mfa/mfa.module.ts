import { Module } from '@nestjs/common';
import { UsersModule } from '../../users/users.module';
import { SECOND_FACTOR } from '../second-factor.port';
import { MfaChallenges } from './mfa-challenges';
import { MfaChallengesRepository } from './mfa-challenges.repository';
import { MfaLogin } from './mfa-login.service';
import { MfaController } from './mfa.controller';
import { RecoveryCodesRepository } from './recovery-codes.repository';
import { SecondFactorVerifier } from './second-factor-verifier';
import { TotpClock } from './totp-clock';
import { TotpEnrolment } from './totp-enrolment.service';
import { TotpFactorsRepository } from './totp-factors.repository';
import { TotpSecondFactor } from './totp-second-factor';
import { TotpSecretCipher } from './totp-secret-cipher';

/**
 * The second factor: TOTP, recovery codes, the login's second step and their tables. The
 * password login knows it only as SECOND_FACTOR; what it needs of the rest of auth/ (the
 * lockout, sessions, the revoker and its hooks, the event bus) comes from the global
 * AuthModule, and its pruner goes to the cleanup job's registry.
 */
@Module({
  imports: [UsersModule],
  controllers: [MfaController],
  providers: [
    MfaChallenges,
    MfaLogin,
    SecondFactorVerifier,
    TotpClock,
    TotpEnrolment,
    TotpSecretCipher,
    MfaChallengesRepository,
    RecoveryCodesRepository,
    TotpFactorsRepository,
    TotpSecondFactor,
    { provide: SECOND_FACTOR, useExisting: TotpSecondFactor },
  ],
  exports: [SECOND_FACTOR],
})
export class MfaModule {}

import { Module } from '@nestjs/common';
import { UsersModule } from '../../users/users.module';
import { PasskeyAssertions } from './passkey-assertions';
import { PasskeyChallenges } from './passkey-challenges';
import { PasskeyCredentialKind } from './passkey-credential-kind';
import { PasskeyLoginController } from './passkey-login.controller';
import { PasskeyLogin } from './passkey-login.service';
import { PasskeySecondStep } from './passkey-second-step';
import { PasskeySignup } from './passkey-signup.service';
import { PasskeyChallengesRepository } from './passkey-challenges.repository';
import { PasskeyManagement } from './passkey-management.service';
import { PasskeyRegistration } from './passkey-registration.service';
import { PasskeysController } from './passkeys.controller';
import { PasskeysRepository } from './passkeys.repository';
import { WebAuthnCeremonies } from './webauthn-ceremonies';

/**
 * Passkeys (WebAuthn): registration, sign-in, sign-up and the login's second step, with their
 * tables. What they need of the rest of auth/ (sessions, the token response, the event bus,
 * the second-factor port) comes from the global AuthModule; the expired challenges go to the
 * cleanup job's registry.
 */
@Module({
  imports: [UsersModule],
  controllers: [PasskeysController, PasskeyLoginController],
  providers: [
    PasskeyAssertions,
    PasskeyChallenges,
    PasskeyCredentialKind,
    PasskeyLogin,
    PasskeySecondStep,
    PasskeySignup,
    PasskeyChallengesRepository,
    PasskeyManagement,
    PasskeyRegistration,
    PasskeysRepository,
    WebAuthnCeremonies,
  ],
})
export class PasskeysModule {}

import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { SECOND_FACTOR, type SecondFactor } from '../second-factor.port';
import { UserCredentials } from '../user-credentials';
import { PasskeysRepository } from './passkeys.repository';

/** The name passkeys register under with UserCredentials. */
export const PASSKEY_CREDENTIAL_KIND = 'passkeys';

/**
 * Passkeys as the rest of auth/ sees them: a credential that signs in on its own (the
 * last-sign-in-method rule counts them; the reset of a never-verified address removes them),
 * and an answer to the login's second step for an account that has one.
 */
@Injectable()
export class PasskeyCredentialKind implements OnModuleInit {
  constructor(
    private readonly passkeys: PasskeysRepository,
    private readonly credentials: UserCredentials,
    @Inject(SECOND_FACTOR) private readonly secondFactor: SecondFactor,
  ) {}

  onModuleInit(): void {
    this.credentials.register({
      name: PASSKEY_CREDENTIAL_KIND,
      signsIn: true,
      count: (userId, manager) => this.passkeys.countOf(userId, manager),
      removeAll: (userId, manager) => this.passkeys.deleteAllOf(userId, manager),
    });
    this.secondFactor.offer('passkey', async (userId) => (await this.passkeys.countOf(userId)) > 0);
  }
}

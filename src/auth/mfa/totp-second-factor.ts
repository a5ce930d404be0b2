import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SecondFactor } from '../second-factor.port';
import { UserCredentials } from '../user-credentials';
import { MfaChallenges } from './mfa-challenges';
import { RecoveryCodesRepository } from './recovery-codes.repository';
import { TotpFactorsRepository } from './totp-factors.repository';

/** The second factor the password login asks for: TOTP (or a recovery code), once it is on. */
@Injectable()
export class TotpSecondFactor implements SecondFactor, OnModuleInit {
  constructor(
    private readonly factors: TotpFactorsRepository,
    private readonly challenges: MfaChallenges,
    private readonly recoveryCodes: RecoveryCodesRepository,
    private readonly credentials: UserCredentials,
  ) {}

  onModuleInit(): void {
    // Not a way in on its own; removed by the reset of a never verified address.
    this.credentials.register({
      name: 'totp',
      signsIn: false,
      count: async (userId, manager) => ((await this.isRequired(userId, manager)) ? 1 : 0),
      removeAll: (userId, manager) => this.removeAll(userId, manager),
    });
  }

  isRequired(userId: string, manager?: EntityManager): Promise<boolean> {
    return this.factors.isEnabled(userId, manager);
  }

  challenge(userId: string, verifiedPasswordHash: string | null): Promise<string | undefined> {
    return this.challenges.issue(userId, verifiedPasswordHash);
  }

  private async removeAll(userId: string, manager: EntityManager): Promise<void> {
    await this.factors.remove(userId, manager);
    await this.recoveryCodes.removeAll(userId, manager);
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SecondFactor } from '../second-factor.port';
import { MfaChallenges } from './mfa-challenges';
import { RecoveryCodesRepository } from './recovery-codes.repository';
import { TotpFactorsRepository } from './totp-factors.repository';

/** The second factor the password login asks for: TOTP (or a recovery code), once it is on. */
@Injectable()
export class TotpSecondFactor implements SecondFactor {
  constructor(
    private readonly factors: TotpFactorsRepository,
    private readonly challenges: MfaChallenges,
    private readonly recoveryCodes: RecoveryCodesRepository,
  ) {}

  isRequired(userId: string, manager?: EntityManager): Promise<boolean> {
    return this.factors.isEnabled(userId, manager);
  }

  challenge(userId: string, verifiedPasswordHash: string): Promise<string | undefined> {
    return this.challenges.issue(userId, verifiedPasswordHash);
  }

  async removeAll(userId: string, manager: EntityManager): Promise<void> {
    await this.factors.remove(userId, manager);
    await this.recoveryCodes.removeAll(userId, manager);
  }
}

import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ClientContext } from '../client-context';
import type { IssuedRefreshToken } from '../refresh/issued-refresh-token';
import type { SecondFactor, SecondStepFactor, SecondStepProof } from '../second-factor.port';
import { UserCredentials } from '../user-credentials';
import { MfaChallenges } from './mfa-challenges';
import { MfaLogin } from './mfa-login.service';
import { RecoveryCodesRepository } from './recovery-codes.repository';
import { TotpFactorsRepository } from './totp-factors.repository';

/**
 * The second factor the password login asks for: TOTP (or a recovery code), once it is on;
 * factors other folders offer (a passkey) answer the same step.
 */
@Injectable()
export class TotpSecondFactor implements SecondFactor, OnModuleInit {
  private readonly offered: {
    factor: SecondStepFactor;
    available: (userId: string) => Promise<boolean>;
  }[] = [];

  constructor(
    private readonly totp: TotpFactorsRepository,
    private readonly challenges: MfaChallenges,
    private readonly recoveryCodes: RecoveryCodesRepository,
    private readonly credentials: UserCredentials,
    private readonly login: MfaLogin,
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
    return this.totp.isEnabled(userId, manager);
  }

  challenge(
    userId: string,
    verifiedPasswordHash: string | null,
    firstStep?: string[],
  ): Promise<string | undefined> {
    return this.challenges.issue(userId, verifiedPasswordHash, firstStep);
  }

  async factors(userId: string): Promise<SecondStepFactor[]> {
    const factors: SecondStepFactor[] = [];
    if (await this.totp.isEnabled(userId)) factors.push('totp');
    if ((await this.recoveryCodes.countUnused(userId)) > 0) factors.push('recovery_code');
    for (const { factor, available } of this.offered) {
      if (await available(userId)) factors.push(factor);
    }
    return factors;
  }

  offer(factor: SecondStepFactor, available: (userId: string) => Promise<boolean>): void {
    this.offered.push({ factor, available });
  }

  async pendingUserOf(mfaToken: string): Promise<string | undefined> {
    return (await this.challenges.peek(mfaToken))?.user_id;
  }

  completeWith(
    mfaToken: string,
    proof: SecondStepProof,
    context: ClientContext,
  ): Promise<IssuedRefreshToken | undefined> {
    return this.login.completeWith(mfaToken, proof, context);
  }

  private async removeAll(userId: string, manager: EntityManager): Promise<void> {
    await this.totp.remove(userId, manager);
    await this.recoveryCodes.removeAll(userId, manager);
  }
}

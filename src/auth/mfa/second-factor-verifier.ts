import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RecoveryCodesRepository } from './recovery-codes.repository';
import { TotpFactorRow, TotpFactorsRepository } from './totp-factors.repository';
import { ProblemException } from '../../common/problem';
import { hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes';
import { matchingStep } from './totp';
import { TotpClock } from './totp-clock';
import { TotpSecretCipher } from './totp-secret-cipher';

/** A second factor as a body gives it: exactly one of the two (checked by the DTO). */
export interface MfaProof {
  code?: string | null;
  recoveryCode?: string | null;
}

export type ProofKind = 'otp' | 'recovery_code';

/**
 * Checks and spends second-factor proofs, inside the caller's transaction so that spending
 * a code and what it buys (a session, TOTP turned off) commit together or not at all.
 */
@Injectable()
export class SecondFactorVerifier {
  private readonly logger = new Logger(SecondFactorVerifier.name);

  constructor(
    private readonly factors: TotpFactorsRepository,
    private readonly recoveryCodes: RecoveryCodesRepository,
    private readonly cipher: TotpSecretCipher,
    private readonly clock: TotpClock,
  ) {}

  /** Spends a proof of the user's enabled factor: which kind it was, or undefined if wrong. */
  async spend(
    userId: string,
    proof: MfaProof,
    manager: EntityManager,
  ): Promise<ProofKind | undefined> {
    if (typeof proof.recoveryCode === 'string') {
      const normalized = normalizeRecoveryCode(proof.recoveryCode);
      const spent =
        normalized !== undefined &&
        (await this.recoveryCodes.spend(userId, hashRecoveryCode(normalized), manager));
      return spent ? 'recovery_code' : undefined;
    }
    if (typeof proof.code !== 'string') return undefined;
    return (await this.spendTotpCode(userId, proof.code, false, manager)) ? 'otp' : undefined;
  }

  /**
   * Accepts a TOTP code once: its step (one either side of now) must be later than the last
   * accepted one. `confirming`: the code is checked against a pending enrolment and turns it
   * on; otherwise against the enabled factor.
   */
  async spendTotpCode(
    userId: string,
    code: string,
    confirming: boolean,
    manager: EntityManager,
  ): Promise<boolean> {
    const factor = await this.factors.find(userId, manager);
    if (!factor || (factor.confirmed_at === null) !== confirming) return false;
    const secret = this.openSecret(userId, factor);
    const step = matchingStep(secret, code, this.clock.now());
    if (step === undefined) return false;
    const resealed = this.cipher.isStale(factor.key_id)
      ? this.cipher.seal(secret, userId)
      : undefined;
    return this.factors.useStep(
      { userId, step, checkedCiphertext: factor.secret_ciphertext, resealed },
      confirming,
      manager,
    );
  }

  /**
   * A secret that cannot be opened (its key left the ring, or the row was altered) is the
   * operator's problem, not a wrong code: 503, never counted against the user, and an error
   * line that says which key is missing.
   */
  private openSecret(userId: string, factor: TotpFactorRow): Buffer {
    try {
      return this.cipher.open(
        { ciphertext: factor.secret_ciphertext, keyId: factor.key_id },
        userId,
      );
    } catch (error) {
      this.logger.error({ userId, keyId: factor.key_id }, (error as Error).message);
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'service_unavailable',
        'the second factor cannot be checked right now',
      );
    }
  }
}

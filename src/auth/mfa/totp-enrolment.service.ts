import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { UsersRepository } from '../../users/users.repository';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import { LoginLockout, right, Verdict, wrong } from '../passwords/login-lockout';
import type { Principal } from '../principal';
import { SessionRevoker } from '../revocation/session-revoker';
import { RecoveryCodesRepository } from './recovery-codes.repository';
import { SessionsRepository } from '../sessions/sessions.repository';
import { TotpFactorsRepository } from './totp-factors.repository';
import { AMR_PASSWORD, OTP_ADDS, secondStepAmr } from '../tokens/access-token-claims';
import { insufficientUserAuthentication } from '../decorators/step-up';
import { invalidToken } from '../tokens/token-errors';
import {
  invalidMfaCode,
  mfaAlreadyEnabled,
  noPendingEnrolment,
  totpNotEnabled,
} from './mfa-errors';
import { MfaStatusResponse, RecoveryCodesResponse, TotpEnrolmentResponse } from './mfa.dto';
import { newRecoveryCodes } from './recovery-codes';
import { MfaProof, ProofKind, SecondFactorVerifier } from './second-factor-verifier';
import { base32Of, newTotpSecret, otpauthUrl } from './totp';
import { TotpSecretCipher } from './totp-secret-cipher';
import { MFA_SETTINGS, MfaSettings } from '../../latch.settings';

/** Turning TOTP on and off, and the recovery codes that come with it. */
@Injectable()
export class TotpEnrolment {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly factors: TotpFactorsRepository,
    private readonly recoveryCodes: RecoveryCodesRepository,
    private readonly sessions: SessionsRepository,
    private readonly cipher: TotpSecretCipher,
    private readonly verifier: SecondFactorVerifier,
    private readonly revoker: SessionRevoker,
    private readonly lockout: LoginLockout,
    private readonly events: AuthEventBus,
    @Inject(MFA_SETTINGS) private readonly mfa: MfaSettings,
  ) {}

  async status(principal: Principal): Promise<MfaStatusResponse> {
    const enabled = await this.factors.isEnabled(principal.userId);
    return {
      totpEnabled: enabled,
      recoveryCodesRemaining: enabled ? await this.recoveryCodes.countUnused(principal.userId) : 0,
    };
  }

  /** A new secret, pending until confirmed; replaces an unconfirmed one. */
  async start(principal: Principal): Promise<TotpEnrolmentResponse> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw invalidToken('the account no longer exists');
    const secret = newTotpSecret();
    const sealed = this.cipher.seal(secret, user.id);
    if (!(await this.factors.startEnrolment(user.id, sealed.ciphertext, sealed.keyId))) {
      throw mfaAlreadyEnabled();
    }
    return {
      secret: base32Of(secret),
      otpauthUrl: otpauthUrl(secret, this.mfa.issuer, user.email),
    };
  }

  /**
   * A code of the pending secret turns TOTP on and gives the first recovery codes. Every other
   * session of the user ends (whoever else was signed in signed in without the factor); the
   * caller's session counts as verified with it from its next refresh.
   */
  async confirm(
    principal: Principal,
    code: string,
    context: ClientContext,
  ): Promise<RecoveryCodesResponse> {
    const { userId, sessionId } = principal;
    const factor = await this.factors.find(userId);
    if (!factor) throw noPendingEnrolment();
    if (factor.confirmed_at) throw mfaAlreadyEnabled();
    const { codes, hashes } = newRecoveryCodes();
    const confirmed = await this.dataSource.transaction(async (manager) => {
      // The user's row locked, as the password login locks it to ask for the factor: a
      // password-only session opens before this (and the revocation below ends it) or not at all.
      if (!(await this.users.lockById(manager, userId))) return false;
      if (!(await this.verifier.spendTotpCode(userId, code, true, manager))) return false;
      await this.recoveryCodes.replace(userId, hashes, manager);
      // This session proved its first step (a password, an identity provider) and now TOTP.
      const firstStep = principal.amr.filter((value) => value !== 'otp' && value !== 'mfa');
      const amr = secondStepAmr(firstStep.length > 0 ? firstStep : AMR_PASSWORD, OTP_ADDS);
      await this.sessions.setAmr(userId, sessionId, amr, manager);
      return true;
    });
    if (!confirmed) {
      this.events.publish('mfa_failed', {
        userId,
        sessionId,
        context,
        detail: { step: 'confirm' },
      });
      throw invalidMfaCode();
    }
    await this.revoker.revokeAllOfUser(userId, 'mfa_enabled', context, sessionId);
    this.events.publish('mfa_enabled', { userId, sessionId, context });
    return { recoveryCodes: codes };
  }

  /**
   * A new set of recovery codes; the old set stops working. Only from a session verified
   * with the second factor: a stolen password alone must not mint new codes.
   */
  async renewRecoveryCodes(principal: Principal): Promise<RecoveryCodesResponse> {
    const { codes, hashes } = newRecoveryCodes();
    await this.dataSource.transaction(async (manager) => {
      // Locked: of two simultaneous renewals, the second deletes the first's set.
      if (!(await this.factors.lockIfEnabled(principal.userId, manager))) throw totpNotEnabled();
      if (!principal.amr.includes('mfa')) throw insufficientUserAuthentication();
      await this.recoveryCodes.replace(principal.userId, hashes, manager);
    });
    return { recoveryCodes: codes };
  }

  /**
   * Turns TOTP off with a current code or a recovery code. Guessing here counts toward the
   * account's lockout, as at login: a stolen access token must not buy unlimited guesses.
   */
  async disable(principal: Principal, proof: MfaProof, context: ClientContext): Promise<void> {
    const { userId, sessionId } = principal;
    const user = await this.users.findById(userId);
    if (!user) throw invalidToken('the account no longer exists');
    if (!(await this.factors.isEnabled(userId))) throw totpNotEnabled();
    const kind = await this.lockout.judge(
      user.email,
      async (attempt): Promise<Verdict<ProofKind | undefined>> => {
        const spent = await this.dataSource.transaction(async (manager) => {
          const kind = await this.verifier.spend(userId, proof, manager);
          if (!kind) return undefined;
          await this.factors.remove(userId, manager);
          await this.recoveryCodes.removeAll(userId, manager);
          return kind;
        });
        if (spent) return right(spent);
        // Counted toward the lockout, so a code that locks the account says so, as at login.
        this.events.publishWrongCredential('mfa_failed', this.lockout.lockedBy(attempt), {
          userId,
          sessionId,
          context,
          detail: { step: 'disable' },
        });
        return wrong(undefined);
      },
    );
    if (!kind) throw invalidMfaCode();
    if (kind === 'recovery_code')
      this.events.publish('recovery_code_used', { userId, sessionId, context });
    this.events.publish('mfa_disabled', { userId, sessionId, context });
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import { LoginAttempt, LoginLockout, right, Verdict, wrong } from '../passwords/login-lockout';
import { IssuedRefreshToken } from '../refresh/issued-refresh-token';
import { SessionsService } from '../sessions/sessions.service';
import { secondStepAmr } from '../tokens/access-token-claims';
import { FoundChallenge, MfaChallenges } from './mfa-challenges';
import { invalidMfaCode, invalidMfaToken } from './mfa-errors';
import { MfaLoginDto } from './mfa.dto';
import { MfaProof, ProofKind, SecondFactorVerifier } from './second-factor-verifier';

/** A right code's session, and which kind of proof it was. */
interface SecondStep {
  issued: IssuedRefreshToken;
  kind: ProofKind;
}

/**
 * The second step of a login (POST /auth/login/mfa). A code is a credential like the password:
 * each attempt is reserved against its mfaToken (five guesses) and the account's lockout
 * before the code is judged; a wrong code stays counted on both (so fresh mfaTokens buy no
 * fresh guesses), and a right one resets the lockout count. Spending the code, spending the mfaToken and opening the session are
 * one transaction: none happens without the others.
 */
@Injectable()
export class MfaLogin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly challenges: MfaChallenges,
    private readonly verifier: SecondFactorVerifier,
    private readonly sessions: SessionsService,
    private readonly lockout: LoginLockout,
    private readonly events: AuthEventBus,
  ) {}

  async complete(dto: MfaLoginDto, context: ClientContext): Promise<IssuedRefreshToken> {
    const challenge = await this.challenges.reserveGuess(dto.mfaToken);
    if (!challenge) throw invalidMfaToken();
    let step: SecondStep | undefined;
    try {
      step = await this.lockout.judge(
        challenge.email,
        (attempt) => this.judgeCode(challenge, dto, attempt, context),
        'mfa',
      );
    } catch (error) {
      // No verdict (429, 503, the mfaToken spent meanwhile): the guess does not count.
      await this.challenges.releaseGuess(challenge).catch(() => undefined);
      throw error;
    }
    // A wrong code keeps its guess, on the mfaToken as on the lockout.
    if (!step) throw invalidMfaCode();
    const { issued, kind } = step;
    const userId = challenge.user_id;
    if (kind === 'recovery_code') {
      this.events.publish('recovery_code_used', { userId, sessionId: issued.sessionId, context });
    }
    this.events.publish('login.succeeded', {
      userId,
      sessionId: issued.sessionId,
      context,
      detail: { method: 'mfa', amr: issued.amr.join(' ') },
    });
    return issued;
  }

  /** One guess, already reserved on the token and the lockout: right with the session, or wrong. */
  private async judgeCode(
    challenge: FoundChallenge,
    proof: MfaProof,
    attempt: LoginAttempt,
    context: ClientContext,
  ): Promise<Verdict<SecondStep | undefined>> {
    const userId = challenge.user_id;
    const outcome = await this.dataSource.transaction(async (manager) => {
      const kind = await this.verifier.spend(userId, proof, manager);
      if (!kind) return undefined;
      // Throwing rolls the spent code back: a lost race for the mfaToken costs no code.
      if (!(await this.challenges.consume(challenge, manager))) throw invalidMfaToken();
      const amr = secondStepAmr(challenge.first_step, kind);
      const opened = await this.sessions.open(userId, context, {
        manager,
        amr,
        whilePasswordChangedAt: challenge.password_changed_at,
      });
      // Disabled, deleted or its password changed since the password step.
      if (!opened) throw invalidMfaToken();
      return { issued: opened, kind };
    });
    if (outcome) return right(outcome);
    this.events.publishWrongCredential('mfa_failed', this.lockout.lockedBy(attempt), {
      userId,
      context,
      detail: { step: 'login' },
    });
    return wrong(undefined);
  }
}

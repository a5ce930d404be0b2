import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import { LoginAttempt, LoginLockout, right, Verdict, wrong } from '../passwords/login-lockout';
import { IssuedRefreshToken } from '../refresh/issued-refresh-token';
import type { SecondStepProof } from '../second-factor.port';
import { SessionsService } from '../sessions/sessions.service';
import { OTP_ADDS, RECOVERY_CODE_ADDS, secondStepAmr } from '../tokens/access-token-claims';
import { FoundChallenge, MfaChallenges } from './mfa-challenges';
import { invalidMfaCode, invalidMfaToken } from './mfa-errors';
import { MfaLoginDto } from './mfa.dto';
import { SecondFactorVerifier } from './second-factor-verifier';

/** Which proof answered the step: a TOTP code, a recovery code, or another folder's factor. */
type StepKind = 'otp' | 'recovery_code' | 'passkey';

/** A right proof's session, and which kind of proof it was. */
interface SecondStep {
  issued: IssuedRefreshToken;
  kind: StepKind;
}

/**
 * Judges a proof for the mfaToken's user, in the step's transaction: its kind and what it adds
 * to the first step's amr, or wrong.
 */
type ProofJudge = (
  userId: string,
  manager: EntityManager,
) => Promise<{ kind: StepKind; adds: string[] } | undefined>;

/**
 * The second step of a login (POST /auth/login/mfa, and a passkey through the port's
 * completeWith). A proof is a credential like the password: each attempt is reserved against
 * its mfaToken (five guesses) and the account's lockout before it is judged; a wrong one stays
 * counted on both (so fresh mfaTokens buy no fresh guesses), and a right one resets the lockout
 * count. Spending the proof, spending the mfaToken and opening the session are one
 * transaction: none happens without the others.
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
    const step = await this.finish(dto.mfaToken, context, async (userId, manager) => {
      const kind = await this.verifier.spend(userId, dto, manager);
      if (!kind) return undefined;
      return { kind, adds: kind === 'otp' ? OTP_ADDS : RECOVERY_CODE_ADDS };
    });
    // A wrong code keeps its guess, on the mfaToken as on the lockout.
    if (!step) throw invalidMfaCode();
    if (step.kind === 'recovery_code') {
      this.events.publish('recovery_code_used', {
        userId: step.issued.userId,
        sessionId: step.issued.sessionId,
        context,
      });
    }
    return step.issued;
  }

  /** The step answered by another folder's proof (a passkey): the session, or undefined if wrong. */
  async completeWith(
    mfaToken: string,
    proof: SecondStepProof,
    context: ClientContext,
  ): Promise<IssuedRefreshToken | undefined> {
    const step = await this.finish(
      mfaToken,
      context,
      async (userId, manager) =>
        (await proof.judge(userId, manager)) ? { kind: 'passkey', adds: proof.adds } : undefined,
      proof.factor,
    );
    return step?.issued;
  }

  private async finish(
    mfaToken: string,
    context: ClientContext,
    judge: ProofJudge,
    /** Named in a failure's audit detail when it is not a code. */
    factor?: string,
  ): Promise<SecondStep | undefined> {
    const challenge = await this.challenges.reserveGuess(mfaToken);
    if (!challenge) throw invalidMfaToken();
    let step: SecondStep | undefined;
    try {
      step = await this.lockout.judge(
        challenge.email,
        (attempt) => this.judgeProof(challenge, judge, attempt, context, factor),
        'mfa',
      );
    } catch (error) {
      // No verdict (429, 503, the mfaToken spent meanwhile): the guess does not count.
      await this.challenges.releaseGuess(challenge).catch(() => undefined);
      throw error;
    }
    if (step) {
      this.events.publish('login.succeeded', {
        userId: challenge.user_id,
        sessionId: step.issued.sessionId,
        context,
        detail: { method: 'mfa', amr: step.issued.amr.join(' ') },
      });
    }
    return step;
  }

  /** One guess, already reserved on the token and the lockout: right with the session, or wrong. */
  private async judgeProof(
    challenge: FoundChallenge,
    judge: ProofJudge,
    attempt: LoginAttempt,
    context: ClientContext,
    factor: string | undefined,
  ): Promise<Verdict<SecondStep | undefined>> {
    const userId = challenge.user_id;
    const outcome = await this.dataSource.transaction(async (manager) => {
      const judged = await judge(userId, manager);
      if (!judged) return undefined;
      // Throwing rolls the spent proof back: a lost race for the mfaToken costs no code.
      if (!(await this.challenges.consume(challenge, manager))) throw invalidMfaToken();
      const opened = await this.sessions.open(userId, context, {
        manager,
        amr: secondStepAmr(challenge.first_step, judged.adds),
        whilePasswordChangedAt: challenge.password_changed_at,
      });
      // Disabled, deleted or its password changed since the password step.
      if (!opened) throw invalidMfaToken();
      return { issued: opened, kind: judged.kind };
    });
    if (outcome) return right(outcome);
    this.events.publishWrongCredential('mfa_failed', this.lockout.lockedBy(attempt), {
      userId,
      context,
      detail: { step: 'login', ...(factor ? { factor } : {}) },
    });
    return wrong(undefined);
  }
}

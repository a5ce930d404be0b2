import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import { LoginLockout } from '../passwords/login-lockout';
import { IssuedRefreshToken } from '../refresh/issued-refresh-token';
import { SessionsService } from '../sessions/sessions.service';
import { AMR_RECOVERY_CODE, AMR_TOTP } from '../tokens/access-token-claims';
import { MfaChallenges } from './mfa-challenges';
import { invalidMfaCode, invalidMfaToken } from './mfa-errors';
import { MfaLoginDto } from './mfa.dto';
import { SecondFactorVerifier } from './second-factor-verifier';

/**
 * The second step of a login (POST /auth/login/mfa). A code is a credential like the password:
 * each attempt is reserved against the account's lockout first, a wrong code stays counted
 * (so fresh mfaTokens buy no fresh guesses) and also counts against its mfaToken, and a right
 * one resets the count. Spending the code, spending the mfaToken and opening the session are
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
    const challenge = await this.challenges.find(dto.mfaToken);
    if (!challenge) throw invalidMfaToken();
    const userId = challenge.user_id;
    const { issued, kind } = await this.lockout.judge(challenge.email, async (attempt) => {
      const outcome = await this.dataSource.transaction(async (manager) => {
        const kind = await this.verifier.spend(userId, dto, manager);
        if (!kind) return undefined;
        // Throwing rolls the spent code back: a lost race for the mfaToken costs no code.
        if (!(await this.challenges.consume(challenge, manager))) throw invalidMfaToken();
        const amr = kind === 'otp' ? AMR_TOTP : AMR_RECOVERY_CODE;
        const opened = await this.sessions.open(userId, context, { manager, amr });
        // Disabled or deleted since the password step.
        if (!opened) throw invalidMfaToken();
        return { issued: opened, kind };
      });
      if (!outcome) {
        await this.challenges.recordWrongCode(challenge);
        this.events.publish('mfa_failed', { userId, context, detail: { step: 'login' } });
        if (this.lockout.lockedBy(attempt)) {
          this.events.publish('login.locked_out', { userId, context });
        }
        throw invalidMfaCode();
      }
      await this.lockout.succeeded(attempt);
      return outcome;
    });
    if (kind === 'recovery_code') {
      this.events.publish('recovery_code_used', { userId, sessionId: issued.sessionId, context });
    }
    this.events.publish('login.succeeded', {
      userId,
      sessionId: issued.sessionId,
      context,
      detail: { amr: issued.amr.join(' ') },
    });
    return issued;
  }
}

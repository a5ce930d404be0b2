import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ClientContext } from '../client-context';
import { IssuedRefreshToken } from '../refresh/issued-refresh-token';
import { SECOND_FACTOR, type SecondFactor } from '../second-factor.port';
import { PASSKEY_ADDS } from '../tokens/access-token-claims';
import { AssertionResult, PasskeyAssertions } from './passkey-assertions';
import { mfaTokenBinding, PasskeyChallenges } from './passkey-challenges';
import { invalidPasskey } from './passkey-errors';
import { PasskeyLogin } from './passkey-login.service';
import type { PasskeyMfaLoginDto } from './passkeys.dto';
import { challengeOf } from './webauthn-ceremonies';

/**
 * A passkey answers a login's second step (POST /auth/login/mfa/passkey) in place of a TOTP
 * code. mfa/ keeps the mfaToken: the guess is taken from it and from the account's lockout
 * before the passkey is judged, and a wrong passkey counts like a wrong code.
 */
@Injectable()
export class PasskeySecondStep {
  constructor(
    private readonly challenges: PasskeyChallenges,
    private readonly assertions: PasskeyAssertions,
    private readonly login: PasskeyLogin,
    @Inject(SECOND_FACTOR) private readonly secondFactor: SecondFactor,
  ) {}

  async complete(dto: PasskeyMfaLoginDto, context: ClientContext): Promise<IssuedRefreshToken> {
    const binding = mfaTokenBinding(dto.mfaToken);
    const challenge = challengeOf(dto.response.response.clientDataJSON);
    let clone: Extract<AssertionResult, { kind: 'clone_suspected' }> | undefined;
    const judge = async (userId: string, manager: EntityManager): Promise<boolean> => {
      const spent = await this.challenges.spend(
        challenge,
        'second_step',
        { userId, mfaTokenHash: binding },
        manager,
      );
      if (!spent || !challenge) {
        // A response naming another challenge: the mfaToken's real one is spent too.
        await this.challenges.voidBound('second_step', { mfaTokenHash: binding }, manager);
        return false;
      }
      const result = await this.assertions.check(
        { clientExtensionResults: {}, ...dto.response },
        challenge,
        { userId, manager },
      );
      if (result.kind === 'clone_suspected') clone = result;
      return result.kind === 'valid';
    };
    const issued = await this.secondFactor.completeWith(
      dto.mfaToken,
      { factor: 'passkey', adds: PASSKEY_ADDS, judge },
      context,
    );
    // Published once the step's transaction is over (the audit log writes on its own).
    if (clone) this.login.publishCloneSuspected(clone, context);
    if (!issued) throw invalidPasskey('sign_in');
    return issued;
  }
}

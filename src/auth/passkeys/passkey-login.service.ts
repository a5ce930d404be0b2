import { Inject, Injectable } from '@nestjs/common';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';
import { UsersRepository } from '../../users/users.repository';
import type { ClientContext } from '../client-context';
import type { AccountRefusal } from '../credential-problems';
import { AuthEventBus } from '../events/auth-event-bus';
import { invalidMfaToken } from '../mfa/mfa-errors';
import { IssuedRefreshToken } from '../refresh/issued-refresh-token';
import { SECOND_FACTOR, type SecondFactor } from '../second-factor.port';
import { SessionsService } from '../sessions/sessions.service';
import { AMR_PASSKEY } from '../tokens/access-token-claims';
import { AssertionResult, PasskeyAssertions } from './passkey-assertions';
import { mfaTokenBinding, PasskeyChallenges } from './passkey-challenges';
import { descriptorOf } from './passkey-view';
import type {
  PasskeyLoginDto,
  PasskeyLoginOptionsDto,
  RequestOptionsResponse,
} from './passkeys.dto';
import { PasskeysRepository } from './passkeys.repository';
import { challengeOf, WebAuthnCeremonies } from './webauthn-ceremonies';

/** How a passkey sign-in ends; the controller answers 200, 403 or 401 invalid_passkey. */
export type PasskeyLoginOutcome =
  | { kind: 'session'; issued: IssuedRefreshToken }
  | { kind: 'refused'; reason: AccountRefusal }
  | { kind: 'invalid' };

/**
 * Sign-in with a discoverable passkey (POST /auth/passkeys/login), and the options of both
 * passkey sign-ins. Not behind the password lockout: a passkey cannot be guessed, so it is the
 * way in while someone else's wrong guesses lock the password. A disabled account, or an
 * unverified one under AUTH_REQUIRE_VERIFIED_EMAIL, is refused as the password login refuses it.
 */
@Injectable()
export class PasskeyLogin {
  constructor(
    private readonly users: UsersRepository,
    private readonly passkeys: PasskeysRepository,
    private readonly challenges: PasskeyChallenges,
    private readonly ceremonies: WebAuthnCeremonies,
    private readonly assertions: PasskeyAssertions,
    private readonly sessions: SessionsService,
    private readonly events: AuthEventBus,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
    @Inject(SECOND_FACTOR) private readonly secondFactor: SecondFactor,
  ) {}

  /**
   * Without an mfaToken: a challenge for any discoverable credential (empty allowCredentials,
   * for autofill). With one: a challenge bound to it, allowing that account's passkeys only.
   */
  async options(dto: PasskeyLoginOptionsDto): Promise<RequestOptionsResponse> {
    if (dto.mfaToken === undefined) {
      const challenge = await this.challenges.issue('login', {});
      return this.ceremonies.requestOptions({
        challenge: challenge.bytes,
        allow: [],
      }) as Promise<RequestOptionsResponse>;
    }
    const userId = await this.secondFactor.pendingUserOf(dto.mfaToken);
    if (!userId) throw invalidMfaToken();
    const challenge = await this.challenges.issue('second_step', {
      userId,
      mfaTokenHash: mfaTokenBinding(dto.mfaToken),
    });
    const allow = (await this.passkeys.listOf(userId)).map(descriptorOf);
    return this.ceremonies.requestOptions({
      challenge: challenge.bytes,
      allow,
    }) as Promise<RequestOptionsResponse>;
  }

  async login(dto: PasskeyLoginDto, context: ClientContext): Promise<PasskeyLoginOutcome> {
    const challenge = challengeOf(dto.response.response.clientDataJSON);
    const spent = await this.challenges.spend(challenge, 'login', {});
    const result: AssertionResult =
      spent && challenge
        ? await this.assertions.check({ clientExtensionResults: {}, ...dto.response }, challenge)
        : { kind: 'invalid' };
    if (result.kind === 'clone_suspected') this.publishCloneSuspected(result, context);
    if (result.kind !== 'valid') return this.failed(null, 'invalid_passkey', context);
    const userId = result.passkey.user_id;
    const user = await this.users.findById(userId);
    if (!user) return this.failed(null, 'invalid_passkey', context);
    if (user.disabled) return this.refused(userId, 'account_disabled', context);
    if (this.auth.requireVerifiedEmail && !user.emailVerified) {
      return this.refused(userId, 'email_not_verified', context);
    }
    const issued = await this.sessions.open(userId, context, { amr: AMR_PASSKEY });
    // Disabled or deleted since it was read.
    if (!issued) return this.failed(userId, 'invalid_passkey', context);
    this.events.publish('passkey_login', {
      userId,
      sessionId: issued.sessionId,
      context,
      detail: { passkeyId: result.passkey.id },
    });
    this.events.publish('login.succeeded', {
      userId,
      sessionId: issued.sessionId,
      context,
      detail: { method: 'passkey', amr: issued.amr.join(' ') },
    });
    return { kind: 'session', issued };
  }

  /** A valid signature whose counter did not grow: recorded for the account's owner to see. */
  publishCloneSuspected(
    result: Extract<AssertionResult, { kind: 'clone_suspected' }>,
    context: ClientContext,
  ): void {
    this.events.publish('passkey_clone_suspected', {
      userId: result.passkey.user_id,
      context,
      detail: {
        passkeyId: result.passkey.id,
        storedCounter: result.storedCounter,
        receivedCounter: result.receivedCounter,
      },
    });
  }

  private failed(
    userId: string | null,
    reason: string,
    context: ClientContext,
  ): PasskeyLoginOutcome {
    this.events.publish('login.failed', {
      userId,
      context,
      detail: { method: 'passkey', reason },
    });
    return { kind: 'invalid' };
  }

  private refused(userId: string, reason: AccountRefusal, context: ClientContext) {
    this.events.publish('login.failed', {
      userId,
      context,
      detail: { method: 'passkey', reason },
    });
    return { kind: 'refused', reason } as const;
  }
}

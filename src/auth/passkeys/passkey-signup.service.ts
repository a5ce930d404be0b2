import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { User } from '../../users/user.entity';
import { UsersRepository, emailTaken } from '../../users/users.repository';
import { AccountOpening } from '../account-opening';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import { IssuedRefreshToken } from '../refresh/issued-refresh-token';
import { AMR_PASSKEY } from '../tokens/access-token-claims';
import { nameForAaguid } from './authenticator-names';
import { PasskeyChallenges } from './passkey-challenges';
import { invalidPasskey, passkeyExists } from './passkey-errors';
import type {
  CreationOptionsResponse,
  PasskeySignupDto,
  PasskeySignupOptionsDto,
} from './passkeys.dto';
import { PasskeysRepository } from './passkeys.repository';
import { challengeOf, WebAuthnCeremonies } from './webauthn-ceremonies';

/**
 * Sign-up without a password: options bound to the address (the challenge row keeps the
 * address, the name and a new user handle), then the account, its passkey, what the creation
 * hooks add and its first session in one transaction (AccountOpening). AUTH_REQUIRE_VERIFIED_EMAIL
 * is honoured as register honours it: no session until the address is verified.
 */
@Injectable()
export class PasskeySignup {
  constructor(
    private readonly users: UsersRepository,
    private readonly passkeys: PasskeysRepository,
    private readonly challenges: PasskeyChallenges,
    private readonly ceremonies: WebAuthnCeremonies,
    private readonly opening: AccountOpening,
    private readonly events: AuthEventBus,
  ) {}

  async options(dto: PasskeySignupOptionsDto): Promise<CreationOptionsResponse> {
    if (await this.users.emailExists(dto.email)) throw emailTaken();
    const userHandle = randomBytes(32);
    const name = dto.name?.trim() ?? '';
    const challenge = await this.challenges.issue('signup', {
      email: dto.email,
      name,
      userHandle,
    });
    return this.ceremonies.creationOptions({
      challenge: challenge.bytes,
      userHandle,
      userName: dto.email,
      displayName: name || dto.email,
      exclude: [],
    }) as Promise<CreationOptionsResponse>;
  }

  async signup(
    dto: PasskeySignupDto,
    context: ClientContext,
  ): Promise<{ user: User; issued?: IssuedRefreshToken }> {
    const challenge = challengeOf(dto.response.response.clientDataJSON);
    const spent = await this.challenges.spend(challenge, 'signup', {});
    const credential =
      spent && challenge
        ? await this.ceremonies.verifyRegistration(
            { clientExtensionResults: {}, ...dto.response },
            challenge,
          )
        : undefined;
    if (!spent?.email || !spent.user_handle || !credential) throw invalidPasskey('registration');
    if (await this.passkeys.findByCredentialId(credential.credentialId)) throw passkeyExists();
    const { email, name, user_handle: userHandle } = spent;
    let passkeyId = '';
    const opened = await this.opening.open(
      { email, name: name ?? '', passwordHash: null },
      context,
      {
        amr: AMR_PASSKEY,
        inTransaction: async (user, manager) => {
          await this.passkeys.ensureHandle(user.id, userHandle, manager);
          const inserted = await this.passkeys.insert(
            { userId: user.id, ...credential, name: nameForAaguid(credential.aaguid) },
            manager,
          );
          // Registered meanwhile by another sign-up: nothing of this one is kept.
          if (!inserted) throw passkeyExists();
          passkeyId = inserted.id;
        },
      },
    );
    this.events.publish('passkey_added', {
      userId: opened.user.id,
      sessionId: opened.issued?.sessionId ?? null,
      context,
      detail: { passkeyId },
    });
    return opened;
  }
}

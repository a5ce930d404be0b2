import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PASSKEY_SETTINGS, PasskeySettings } from '../../latch.settings';
import { UsersRepository } from '../../users/users.repository';
import type { ClientContext } from '../client-context';
import { invalidCredentials } from '../credential-problems';
import { AuthEventBus } from '../events/auth-event-bus';
import type { Principal } from '../principal';
import { nameForAaguid } from './authenticator-names';
import { PasskeyChallenges } from './passkey-challenges';
import { invalidPasskey, passkeyExists, passkeyLimit } from './passkey-errors';
import { descriptorOf, toPasskeyView } from './passkey-view';
import type { CreationOptionsResponse, PasskeyResponse, RegisterPasskeyDto } from './passkeys.dto';
import { PasskeysRepository } from './passkeys.repository';
import { challengeOf, WebAuthnCeremonies } from './webauthn-ceremonies';

/**
 * A signed-in user adds a passkey: options bound to the calling session, then the verified
 * response stored. The limit and the uniqueness of the credential id are checked again with
 * the user's row locked, so simultaneous registrations cannot pass either.
 */
@Injectable()
export class PasskeyRegistration {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly passkeys: PasskeysRepository,
    private readonly challenges: PasskeyChallenges,
    private readonly ceremonies: WebAuthnCeremonies,
    private readonly events: AuthEventBus,
    @Inject(PASSKEY_SETTINGS) private readonly settings: PasskeySettings,
  ) {}

  async options(principal: Principal): Promise<CreationOptionsResponse> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw invalidCredentials();
    const existing = await this.passkeys.listOf(user.id);
    if (existing.length >= this.settings.limit) throw passkeyLimit(this.settings.limit);
    const userHandle = await this.passkeys.ensureHandle(user.id, randomBytes(32));
    const challenge = await this.challenges.issue('register', {
      userId: user.id,
      sessionId: principal.sessionId,
    });
    return this.ceremonies.creationOptions({
      challenge: challenge.bytes,
      userHandle,
      userName: user.email,
      displayName: user.name || user.email,
      exclude: existing.map(descriptorOf),
    }) as Promise<CreationOptionsResponse>;
  }

  async register(
    principal: Principal,
    dto: RegisterPasskeyDto,
    context: ClientContext,
  ): Promise<PasskeyResponse> {
    const challenge = challengeOf(dto.response.response.clientDataJSON);
    const spent = await this.challenges.spend(challenge, 'register', {
      userId: principal.userId,
      sessionId: principal.sessionId,
    });
    const credential =
      spent && challenge
        ? await this.ceremonies.verifyRegistration(
            { clientExtensionResults: {}, ...dto.response },
            challenge,
          )
        : undefined;
    if (!credential) {
      await this.challenges.voidBound('register', { sessionId: principal.sessionId });
      throw invalidPasskey('registration');
    }
    const row = await this.dataSource.transaction(async (manager) => {
      if (!(await this.users.lockById(manager, principal.userId))) throw invalidCredentials();
      if ((await this.passkeys.countOf(principal.userId, manager)) >= this.settings.limit) {
        throw passkeyLimit(this.settings.limit);
      }
      const inserted = await this.passkeys.insert(
        {
          userId: principal.userId,
          ...credential,
          name: dto.name ?? nameForAaguid(credential.aaguid),
        },
        manager,
      );
      if (!inserted) throw passkeyExists();
      return inserted;
    });
    this.events.publish('passkey_added', {
      userId: principal.userId,
      sessionId: principal.sessionId,
      context,
      detail: { passkeyId: row.id },
    });
    return toPasskeyView(row);
  }
}

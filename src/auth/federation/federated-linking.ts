import { Injectable } from '@nestjs/common';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import type { IdentityProviderSettings } from './federation-settings';
import { type CallbackOutcome, fragmentError } from './federation-outcomes';
import { IdentitiesRepository } from './identities.repository';
import type { ProviderAccount } from './provider-client';

/**
 * A signed-in user linking a provider account (the flow their one-time link URL started):
 * signing in at the provider proves the account is theirs, so no address rule applies; an
 * identity linked to someone else stays theirs (identity_taken).
 */
@Injectable()
export class FederatedLinking {
  constructor(
    private readonly identities: IdentitiesRepository,
    private readonly events: AuthEventBus,
  ) {}

  async link(
    provider: IdentityProviderSettings,
    account: ProviderAccount,
    userId: string,
    context: ClientContext,
  ): Promise<CallbackOutcome> {
    const id = await this.identities.link({
      provider: provider.id,
      subject: account.subject,
      userId,
      email: account.email,
      used: false,
    });
    if (id === undefined) {
      // Linked before (or by a simultaneous callback): to this user is fine, to another not.
      const existing = await this.identities.find(provider.id, account.subject);
      return existing?.user_id === userId
        ? { kind: 'linked', provider: provider.id }
        : fragmentError('identity_taken');
    }
    this.events.publish('identity_linked', {
      userId,
      context,
      detail: { provider: provider.id, by: 'link' },
    });
    return { kind: 'linked', provider: provider.id };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProblemException } from '../../common/problem';
import { AUTH_SETTINGS, type AuthSettings } from '../../latch.settings';
import type { User } from '../../users/user.entity';
import { UsersRepository } from '../../users/users.repository';
import { AccountOpening } from '../account-opening';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import type { IdentityProviderSettings } from './federation-settings';
import { type CallbackOutcome, type FragmentError } from './federation-outcomes';
import { hashOfSecret, newSecret } from './flow-secrets';
import { IdentitiesRepository } from './identities.repository';
import { OidcFlowsRepository } from './oidc-flows.repository';
import type { ProviderAccount } from './provider-client';

/** docs/api.md: the one-time code of a callback lives 60 s. */
const CODE_TTL_SECONDS = 60;

/** What signs in, before the one-time code is made for it. */
type Decision =
  | { kind: 'user'; userId: string }
  | { kind: 'new_account' }
  | { kind: 'error'; error: FragmentError; userId?: string };

/**
 * Who signs in with a provider's account (docs/api.md, "Who signs in"):
 * 1. the account its identity is linked to;
 * 2. else the account with the same address, linked now, only when the provider asserts the
 *    address verified, the account's address is verified too and the provider may link by
 *    address: an address the provider never checked, or one the account never proved, would
 *    hand the account to whoever typed it first (account_exists otherwise);
 * 3. else a new account without a password, opened by the exchange (an abandoned flow leaves
 *    no account behind), or at once without a session when a verified address is required
 *    and the provider did not assert it (its verification mail is sent).
 */
@Injectable()
export class FederatedSignIn {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly identities: IdentitiesRepository,
    private readonly flows: OidcFlowsRepository,
    private readonly opening: AccountOpening,
    private readonly events: AuthEventBus,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  async signIn(
    provider: IdentityProviderSettings,
    account: ProviderAccount,
    context: ClientContext,
  ): Promise<CallbackOutcome> {
    const decision = await this.decide(provider, account, context);
    if (decision.kind === 'error') {
      this.events.publish('login.failed', {
        userId: decision.userId ?? null,
        context,
        detail: { method: 'oidc', provider: provider.id, reason: decision.error },
      });
      return decision;
    }
    const code = newSecret();
    await this.flows.createCode(
      {
        hash: hashOfSecret(code)!,
        provider: provider.id,
        subject: account.subject,
        user_id: decision.kind === 'user' ? decision.userId : null,
        email: account.email,
        email_verified: account.emailVerified,
        name: account.name,
      },
      CODE_TTL_SECONDS,
    );
    return { kind: 'code', code };
  }

  private async decide(
    provider: IdentityProviderSettings,
    account: ProviderAccount,
    context: ClientContext,
  ): Promise<Decision> {
    const linked = await this.identities.find(provider.id, account.subject);
    if (linked) {
      const user = await this.users.findById(linked.user_id);
      // Deleted meanwhile: its identities went with it (ON DELETE CASCADE); decide afresh.
      if (user) {
        const refusal = this.refusalFor(user);
        if (refusal) return { kind: 'error', error: refusal, userId: user.id };
        await this.identities.touch(linked.id);
        return { kind: 'user', userId: user.id };
      }
    }
    if (!account.email) return { kind: 'error', error: 'email_required' };
    const byAddress = await this.linkByAddress(provider, account, context);
    if (byAddress) return byAddress;
    if (this.auth.requireVerifiedEmail && !account.emailVerified) {
      return this.openUnverified(provider, account, context);
    }
    return { kind: 'new_account' };
  }

  /** Rule 2, with the account's row locked while it is judged and linked. */
  private async linkByAddress(
    provider: IdentityProviderSettings,
    account: ProviderAccount,
    context: ClientContext,
  ): Promise<Decision | undefined> {
    const decision = await this.dataSource.transaction(async (manager) => {
      const user = await this.users.lockByEmail(manager, account.email!);
      if (!user) return undefined;
      if (!(account.emailVerified && user.emailVerified && provider.linkByEmail)) {
        return { kind: 'error', error: 'account_exists' } as const;
      }
      const refusal = this.refusalFor(user);
      if (refusal) return { kind: 'error', error: refusal, userId: user.id } as const;
      const id = await this.identities.link(
        {
          provider: provider.id,
          subject: account.subject,
          userId: user.id,
          email: account.email,
          used: true,
        },
        manager,
      );
      // Linked by a simultaneous callback of the same identity: to this account, surely.
      return { kind: 'user', userId: user.id, linked: id !== undefined } as const;
    });
    if (decision?.kind === 'user' && decision.linked) {
      this.events.publish('identity_linked', {
        userId: decision.userId,
        context,
        detail: { provider: provider.id, by: 'email' },
      });
    }
    return decision;
  }

  /** Rule 3 under AUTH_REQUIRE_VERIFIED_EMAIL with an address the provider did not verify. */
  private async openUnverified(
    provider: IdentityProviderSettings,
    account: ProviderAccount,
    context: ClientContext,
  ): Promise<Decision> {
    try {
      const { user } = await this.opening.open(
        { email: account.email!, name: account.name, passwordHash: null, emailVerified: false },
        context,
        {
          amr: ['fed'],
          inTransaction: async (created, manager) => {
            await this.identities.link(
              {
                provider: provider.id,
                subject: account.subject,
                userId: created.id,
                email: account.email,
                used: true,
              },
              manager,
            );
          },
        },
      );
      this.events.publish('identity_linked', {
        userId: user.id,
        context,
        detail: { provider: provider.id, by: 'new_account' },
      });
    } catch (error) {
      // Registered meanwhile under that address: it is an existing account now.
      if (error instanceof ProblemException && error.code === 'email_taken') {
        return { kind: 'error', error: 'account_exists' };
      }
      throw error;
    }
    return { kind: 'error', error: 'email_not_verified' };
  }

  private refusalFor(user: User): FragmentError | undefined {
    if (user.disabled) return 'account_disabled';
    if (this.auth.requireVerifiedEmail && !user.emailVerified) return 'email_not_verified';
    return undefined;
  }
}

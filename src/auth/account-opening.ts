import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { AUTH_SETTINGS, AuthSettings } from '../latch.settings';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import type { ClientContext } from './client-context';
import { AuthEventBus } from './events/auth-event-bus';
import { IssuedRefreshToken } from './refresh/issued-refresh-token';
import { SessionsService } from './sessions/sessions.service';
import { UserCreationHooks } from './user-creation-hooks';

export interface NewAccount {
  email: string;
  name: string;
  /** Null: an account without a password (a passkey or an identity provider signs it in). */
  passwordHash: string | null;
  /** Whether whoever vouches for the address proved it (an identity provider may). */
  emailVerified?: boolean;
}

export interface OpeningOptions {
  /** The factors the first session proved (RFC 8176), `["pwd"]` by default. */
  amr?: string[];
  /** The credential that signed the account up (its passkey, its identity), in the same transaction. */
  inTransaction?: (user: User, manager: EntityManager) => Promise<void>;
}

/**
 * A new account, whatever signed it up (a password, a passkey, an identity provider): the
 * user, its credential, what the creation hooks add (the verification mail) and its first
 * session commit together. With AUTH_REQUIRE_VERIFIED_EMAIL an unverified account gets no
 * session (`issued` undefined) until its address is proven.
 */
@Injectable()
export class AccountOpening {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly creationHooks: UserCreationHooks,
    private readonly events: AuthEventBus,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  async open(
    account: NewAccount,
    context: ClientContext,
    options: OpeningOptions = {},
  ): Promise<{ user: User; issued?: IssuedRefreshToken }> {
    const { user, issued } = await this.dataSource.transaction(async (manager) => {
      const created = await this.users.create(
        {
          email: account.email,
          name: account.name.trim(),
          passwordHash: account.passwordHash,
          emailVerified: account.emailVerified ?? false,
        },
        manager,
      );
      await options.inTransaction?.(created, manager);
      await this.creationHooks.run(created, manager);
      if (this.auth.requireVerifiedEmail && !created.emailVerified) {
        return { user: created, issued: undefined };
      }
      const opened = await this.sessions.open(created.id, context, { manager, amr: options.amr });
      if (!opened) throw new Error('the session of a user created in this transaction failed');
      return { user: created, issued: opened };
    });
    this.events.publish('user.registered', {
      userId: user.id,
      sessionId: issued?.sessionId ?? null,
      context,
    });
    return { user, issued };
  }
}

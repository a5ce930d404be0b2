import { Injectable, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import type { ClientContext } from '../auth/client-context';
import type { AuthEvent } from '../auth/events/auth-event';
import { AuthEventBus } from '../auth/events/auth-event-bus';
import type { Principal } from '../auth/principal';
import { UserCreationHooks } from '../auth/user-creation-hooks';
import { UsersRepository } from '../users/users.repository';
import { invalidLink, LinkMailer } from './links/link-mailer';
import { hashLinkToken, isLinkTokenShape } from './links/link-token';
import { LinkTokensRepository } from './links/link-tokens.repository';
import { MailSender } from './mail/mail-sender';

/** Proving an address: the link mailed at registration or on request, and its use. */
@Injectable()
export class EmailVerificationService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly links: LinkTokensRepository,
    private readonly linkMailer: LinkMailer,
    private readonly sender: MailSender,
    private readonly events: AuthEventBus,
    private readonly creationHooks: UserCreationHooks,
  ) {}

  /**
   * Every registration of an address not yet proven (an identity provider may vouch for one)
   * queues a verification mail in its own transaction.
   */
  onModuleInit(): void {
    this.creationHooks.add(async (user, manager) => {
      if (user.emailVerified) return;
      await this.linkMailer.issue(manager, {
        userId: user.id,
        kind: 'verify_email',
        recipient: user.email,
      });
    });
  }

  /** After the registration committed: send its mail now, and record it. */
  @OnEvent('auth.user.registered', { async: true })
  registered(event: AuthEvent): void {
    this.sender.wake();
    this.events.publish('email_verification_sent', {
      userId: event.userId,
      sessionId: event.sessionId,
      context: { ip: event.ip, userAgent: event.userAgent, requestId: '' },
    });
  }

  /** A new link to the caller's address (earlier ones stop working); nothing when verified. */
  async send(principal: Principal, context: ClientContext): Promise<void> {
    const sent = await this.dataSource.transaction(async (manager) => {
      const user = await this.users.lockById(manager, principal.userId);
      if (!user || user.emailVerified) return false;
      await this.linkMailer.refuseInsideInterval(manager, user.id, 'verify_email');
      await this.linkMailer.issue(manager, {
        userId: user.id,
        kind: 'verify_email',
        recipient: user.email,
      });
      return true;
    });
    if (!sent) return;
    this.sender.wake();
    this.events.publish('email_verification_sent', {
      userId: principal.userId,
      sessionId: principal.sessionId,
      context,
    });
  }

  async verify(token: string, context: ClientContext): Promise<void> {
    if (!isLinkTokenShape(token)) throw invalidLink();
    const userId = await this.dataSource.transaction(async (manager) => {
      const spent = await this.links.spend(manager, 'verify_email', hashLinkToken(token));
      if (!spent) return null;
      await this.users.markEmailVerified(manager, spent.user_id);
      return spent.user_id;
    });
    if (!userId) throw invalidLink();
    this.events.publish('email_verified', { userId, context });
  }
}

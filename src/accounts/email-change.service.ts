import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClientContext } from '../auth/client-context';
import { CredentialsService } from '../auth/credentials.service';
import { AuthEventBus } from '../auth/events/auth-event-bus';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { UsersRepository } from '../users/users.repository';
import type { ChangeEmailDto } from './dto/account-links.dto';
import { invalidLink, LinkMailer } from './links/link-mailer';
import { hashLinkToken, isLinkTokenShape } from './links/link-token';
import { LinkTokensRepository } from './links/link-tokens.repository';
import { MailOutboxRepository } from './mail/mail-outbox.repository';
import { MailSender } from './mail/mail-sender';

const emailTaken = () =>
  new ProblemException(
    HttpStatus.CONFLICT,
    'email_taken',
    'an account with this email already exists',
  );

/** A new address: asked for with the password, switched only when the new address confirms. */
@Injectable()
export class EmailChangeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly credentials: CredentialsService,
    private readonly users: UsersRepository,
    private readonly links: LinkTokensRepository,
    private readonly linkMailer: LinkMailer,
    private readonly outbox: MailOutboxRepository,
    private readonly sender: MailSender,
    private readonly events: AuthEventBus,
  ) {}

  /** A confirmation link to the new address and a notice without a link to the old one. */
  async request(principal: Principal, dto: ChangeEmailDto, context: ClientContext): Promise<void> {
    const user = await this.credentials.confirmPassword(
      principal.userId,
      dto.currentPassword,
      context,
    );
    if (dto.newEmail === user.email || (await this.users.emailExists(dto.newEmail))) {
      throw emailTaken();
    }
    await this.dataSource.transaction(async (manager) => {
      const locked = await this.users.lockById(manager, user.id);
      if (!locked) throw emailTaken(); // deleted meanwhile; its token is about to stop too
      await this.linkMailer.refuseInsideInterval(manager, user.id, 'change_email');
      await this.linkMailer.issue(manager, {
        userId: user.id,
        kind: 'change_email',
        recipient: dto.newEmail,
        newEmail: dto.newEmail,
      });
      await this.outbox.enqueue(manager, {
        userId: user.id,
        kind: 'email_change_notice',
        recipient: locked.email,
        params: { newEmail: dto.newEmail },
      });
    });
    this.sender.wake();
    this.events.publish('email_change_requested', {
      userId: user.id,
      sessionId: principal.sessionId,
      context,
    });
  }

  /**
   * Switches the address, verified (a disabled account: 400 invalid_link, the link spent).
   * Every other unused link of the user stops working: they were mailed to the old address. Taken meanwhile: 409 and the link stays unspent.
   */
  async confirm(token: string, context: ClientContext): Promise<void> {
    if (!isLinkTokenShape(token)) throw invalidLink();
    const userId = await this.dataSource.transaction(async (manager) => {
      const spent = await this.links.spend(manager, 'change_email', hashLinkToken(token));
      if (!spent?.new_email) return null;
      const user = await this.users.changeEmail(manager, spent.user_id, spent.new_email);
      await this.links.spendAllOfUser(manager, spent.user_id);
      return user?.id ?? null;
    });
    if (!userId) throw invalidLink();
    this.events.publish('email_changed', { userId, context });
  }
}

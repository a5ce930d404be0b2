import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClientContext } from '../auth/client-context';
import { AuthEventBus } from '../auth/events/auth-event-bus';
import { LoginLockout } from '../auth/passwords/login-lockout';
import { PasswordHasher } from '../auth/passwords/password-hasher';
import { SessionRevoker } from '../auth/revocation/session-revoker';
import { UserCredentials } from '../auth/user-credentials';
import { ProblemException } from '../common/problem';
import { UsersRepository } from '../users/users.repository';
import { invalidLink, LinkMailer } from './links/link-mailer';
import { hashLinkToken, isLinkTokenShape } from './links/link-token';
import { LinkTokensRepository } from './links/link-tokens.repository';
import { MailSender } from './mail/mail-sender';
import type { ResetPasswordDto } from './dto/account-links.dto';

const NO_USER = '00000000-0000-0000-0000-000000000000';

/** The most reset requests queued or running on one instance; beyond it, 503. */
const REQUEST_QUEUE_MAX = 100;

/** A forgotten password: the mailed link, and the reset it allows. */
@Injectable()
export class PasswordResetService {
  private readonly logger = new Logger(PasswordResetService.name);
  /** Requests answered 202 whose work has not finished yet. */
  private queued = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly links: LinkTokensRepository,
    private readonly linkMailer: LinkMailer,
    private readonly sender: MailSender,
    private readonly hasher: PasswordHasher,
    private readonly revoker: SessionRevoker,
    private readonly lockout: LoginLockout,
    private readonly events: AuthEventBus,
    private readonly credentials: UserCredentials,
  ) {}

  /**
   * Starts the work after the answer: the caller gets the same 202 at the same moment
   * whether or not the account exists, and whether or not a mail goes out. At most
   * REQUEST_QUEUE_MAX at once: beyond that, 503 service_unavailable with Retry-After (the
   * same for every address, so it tells nothing about accounts).
   */
  requestLater(email: string, context: ClientContext): void {
    if (this.queued >= REQUEST_QUEUE_MAX) {
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'service_unavailable',
        'too many password reset requests are waiting; try again shortly',
        { 'retry-after': '1' },
      );
    }
    this.queued++;
    setImmediate(() => {
      this.request(email, context)
        .catch((error: Error) =>
          this.logger.warn(`password reset request not handled: ${error.message}`),
        )
        .finally(() => this.queued--);
    });
  }

  /** Mails a reset link to an existing account, at most one per AUTH_MAIL_INTERVAL. */
  async request(email: string, context: ClientContext): Promise<void> {
    const userId = await this.dataSource.transaction(async (manager) => {
      const user = await this.users.lockByEmail(manager, email);
      // The same statements for an unknown address, so not even the load tells them apart.
      const wait = await this.linkMailer.secondsUntilNext(
        manager,
        user?.id ?? NO_USER,
        'reset_password',
      );
      if (!user || wait > 0) return null;
      await this.linkMailer.issue(manager, {
        userId: user.id,
        kind: 'reset_password',
        recipient: user.email,
      });
      return user.id;
    });
    if (!userId) return;
    this.sender.wake();
    this.events.publish('password_reset_requested', { userId, context });
  }

  /**
   * Sets the password, marks the address verified (the link proved it) and spends every
   * pending link of the user (reset, verification, e-mail change) in one transaction, with
   * every other credential when the address had never been verified; then ends every session of the user on every
   * instance and clears the lockout.
   */
  async reset(dto: ResetPasswordDto, context: ClientContext): Promise<void> {
    if (!isLinkTokenShape(dto.token)) throw invalidLink();
    const hash = hashLinkToken(dto.token);
    // A cheap look first, so a dead link costs no password hash.
    if (!(await this.links.isUsable('reset_password', hash))) throw invalidLink();
    const passwordHash = await this.hasher.hash(dto.newPassword);
    const user = await this.dataSource.transaction(async (manager) => {
      const spent = await this.links.spend(manager, 'reset_password', hash);
      if (!spent) return null;
      // Every pending link, the e-mail change included: a reset takes the account back.
      await this.links.spendAllOfUser(manager, spent.user_id);
      const before = await this.users.lockById(manager, spent.user_id);
      if (!before) return null;
      // Whoever set up a second factor, a passkey or a linked identity of a never verified
      // address had not proved it.
      if (!before.emailVerified) await this.credentials.removeAllOf(before.id, manager);
      return this.users.resetPassword(manager, spent.user_id, passwordHash);
    });
    if (!user) throw invalidLink();
    await this.revoker.revokeAllOfUser(user.id, 'password_reset', context);
    await this.lockout.reset(user.email);
    this.events.publish('password_reset', { userId: user.id, context });
  }
}

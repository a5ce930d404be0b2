import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AuthEventBus } from '../../auth/events/auth-event-bus';

import { ClaimedMailRow, ExhaustedMailRow, MailOutboxRepository } from './mail-outbox.repository';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport';
import { MAIL_RETRY, retryDelay } from './retry-policy';
import { renderMail } from './templates';
import { LATCH_SETTINGS, LatchSettings, MAIL_SETTINGS, MailSettings } from '../../latch.settings';

/** How often each instance looks for due mails besides being woken after a commit. */
const POLL_INTERVAL_MS = 5000;
const BATCH = 10;

/**
 * Sends what the outbox holds. Woken right after this instance commits a mail, and polling
 * for the rest (retries, mails of other instances, mails left by a crash): a mail is claimed
 * before it is sent and the claim is renewed while the send lasts, so two live instances never
 * send it both; a send is bounded by a deadline, and a failure is retried with backoff until
 * the attempts run out; then it is marked failed, logged at error and audited.
 */
@Injectable()
export class MailSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly domain: string;
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly outbox: MailOutboxRepository,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly events: AuthEventBus,
    @Inject(MAIL_SETTINGS) private readonly config: MailSettings,
    @Inject(LATCH_SETTINGS) private readonly settings: LatchSettings,
  ) {
    this.domain = /@([^>\s]+)>?\s*$/.exec(config.from)?.[1] ?? 'localhost';
  }

  onApplicationBootstrap(): void {
    if (!this.config.smtpUrl && !this.config.transport) {
      const where = `mail is written as .eml files under ${this.config.fileDir}`;
      if (this.settings.production) this.logger.warn(`SMTP_URL is not set: ${where}, not sent`);
      else this.logger.log(`SMTP_URL is not set: ${where}`);
    }
    this.timer = setInterval(() => this.wake(), POLL_INTERVAL_MS);
    this.timer.unref();
    this.wake(); // what a crash or a stop left behind
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.draining;
    this.transport.close?.();
  }

  /** Sends whatever is due now; called after a commit that queued a mail. Never throws. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    const { claimSeconds, maxAttempts } = MAIL_RETRY;
    try {
      for (;;) {
        const exhausted = await this.outbox.failExhausted(BATCH, maxAttempts);
        exhausted.forEach((mail) => this.gaveUp(mail, mail.last_error));
        const claimed = await this.outbox.claimDue(BATCH, claimSeconds, maxAttempts);
        if (claimed.length === 0 || this.stopped) return;
        await Promise.all(claimed.map((mail) => this.deliver(mail)));
      }
    } catch (error) {
      this.logger.warn(`mail outbox unavailable, trying again later: ${(error as Error).message}`);
    }
  }

  private async deliver(mail: ClaimedMailRow): Promise<void> {
    const abort = new AbortController();
    const deadline = setTimeout(
      () => abort.abort(new Error(`no answer within ${MAIL_RETRY.sendDeadlineSeconds} s`)),
      MAIL_RETRY.sendDeadlineSeconds * 1000,
    );
    let lost = false;
    const renewal = setInterval(() => {
      this.outbox.renewClaim(mail.id, mail.attempts, MAIL_RETRY.claimSeconds).then(
        (held) => {
          if (held || abort.signal.aborted) return;
          lost = true; // another sender has it now: let that one send it
          abort.abort(new Error('the claim was lost'));
        },
        () => {}, // the database is away: the claim may lapse; another sender may take it
      );
    }, MAIL_RETRY.renewSeconds * 1000);
    try {
      const rendered = renderMail(mail.kind, mail.params);
      await this.transport.send(
        {
          id: mail.id,
          kind: mail.kind,
          to: mail.recipient,
          messageId: `<${mail.id}.${new Date(mail.created_at).getTime()}@${this.domain}>`,
          ...rendered,
        },
        abort.signal,
      );
    } catch (error) {
      if (lost) this.logger.warn(`mail ${mail.id} (${mail.kind}): claim lost while sending`);
      else await this.failed(mail, error as Error);
      return;
    } finally {
      clearTimeout(deadline);
      clearInterval(renewal);
    }
    this.events.signal('mail.sent', { kind: mail.kind });
    if (!(await this.outbox.markSent(mail.id))) {
      this.logger.warn(`mail ${mail.id} was sent, but was no longer pending`);
    }
  }

  private async failed(mail: ClaimedMailRow, error: Error): Promise<void> {
    // The reason, never the mail: SMTP errors name servers and codes, not the link.
    const reason = `${error.name}: ${error.message}`.slice(0, 500);
    const delay = retryDelay(mail.attempts);
    if (delay !== null) {
      this.logger.warn(
        `mail ${mail.id} (${mail.kind}) attempt ${mail.attempts} failed, retry in ${delay} s: ${reason}`,
      );
      await this.outbox.scheduleRetry(mail.id, mail.attempts, delay, reason);
      return;
    }
    if (await this.outbox.markFailed(mail.id, mail.attempts, reason)) this.gaveUp(mail, reason);
  }

  private gaveUp(mail: ClaimedMailRow | ExhaustedMailRow, reason: string): void {
    this.logger.error(
      `mail ${mail.id} (${mail.kind}) to user ${mail.user_id} failed for good after ${mail.attempts} attempts: ${reason}`,
    );
    this.events.publish('mail_failed', {
      userId: mail.user_id,
      detail: { mailId: mail.id, kind: mail.kind, attempts: mail.attempts },
    });
  }
}

import { createTransport, type Transporter } from 'nodemailer';
import type { MailTransport, OutgoingMail } from './mail-transport';

/**
 * SMTP through nodemailer. `smtp://` upgrades with STARTTLS when the server offers it and
 * logs in only when the URL carries credentials; `smtps://` speaks TLS from the start. The
 * timeouts bound each step; the sender's signal bounds the whole send (retry-policy.ts).
 */
export class SmtpTransport implements MailTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transporter = createTransport({
      url,
      connectionTimeout: 5000,
      greetingTimeout: 5000,
      socketTimeout: 15_000,
    });
  }

  async send(mail: OutgoingMail, signal?: AbortSignal): Promise<void> {
    await this.transporter.sendMail({
      signal,
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
    });
  }

  close(): void {
    this.transporter.close();
  }
}

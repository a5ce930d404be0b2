import { Logger } from '@nestjs/common';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import type { MailTransport, OutgoingMail } from './mail-transport';

/**
 * Without SMTP_URL: each mail becomes one RFC 5322 `.eml` file (mode 0600: it holds a link)
 * under DATA_DIR/mail/, and a log line names the file, never the link. Written to a temporary
 * name and renamed, so a reader never sees half a mail; the name comes from the outbox id, so
 * a retried mail replaces its own file instead of adding a second one.
 */
export class EmlFileTransport implements MailTransport {
  readonly name = 'file';
  private readonly logger = new Logger('Mail');
  private readonly composer: Transporter;

  constructor(
    private readonly dir: string,
    private readonly from: string,
  ) {
    this.composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  }

  async send(mail: OutgoingMail): Promise<void> {
    const info = (await this.composer.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
    })) as { message: Buffer };
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${mail.id.padStart(8, '0')}-${mail.kind}.eml`);
    await writeFile(`${path}.tmp`, info.message, { mode: 0o600 });
    await rename(`${path}.tmp`, path);
    this.logger.log(`mail ${mail.id} (${mail.kind}) written to ${path}`);
  }
}

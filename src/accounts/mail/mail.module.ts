import { Module } from '@nestjs/common';

import { EmlFileTransport } from './eml-file-transport';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MailSender } from './mail-sender';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport';
import { SmtpTransport } from './smtp-transport';
import { MAIL_SETTINGS, MailSettings } from '../../latch.settings';

/** The outbox, its sender and the transport SMTP_URL chooses. */
@Module({
  providers: [
    MailOutboxRepository,
    MailSender,
    {
      provide: MAIL_TRANSPORT,
      inject: [MAIL_SETTINGS],
      useFactory: (config: MailSettings): MailTransport =>
        config.transport ??
        (config.smtpUrl
          ? new SmtpTransport(config.smtpUrl, config.from)
          : new EmlFileTransport(config.fileDir, config.from)),
    },
  ],
  exports: [MailOutboxRepository, MailSender],
})
export class MailModule {}

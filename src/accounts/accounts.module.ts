import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AccountDeletion } from './account-deletion';
import { AdministrationService } from './administration.service';
import { AccountLinksController } from './account-links.controller';
import { EmailChangeService } from './email-change.service';
import { EmailVerificationService } from './email-verification.service';
import { LinkMailer } from './links/link-mailer';
import { LinkTokensRepository } from './links/link-tokens.repository';
import { MailModule } from './mail/mail.module';
import { PendingLinks } from './links/pending-links';
import { PasswordResetService } from './password-reset.service';
import { UsersController } from './users.controller';

/**
 * What users and administrators do with accounts: the `/users` routes, and the mailed links
 * (verification, password reset, e-mail change) whose routes sit under /auth.
 */
@Module({
  imports: [UsersModule, MailModule],
  controllers: [UsersController, AccountLinksController],
  providers: [
    AdministrationService,
    AccountDeletion,
    LinkTokensRepository,
    LinkMailer,
    PendingLinks,
    EmailVerificationService,
    PasswordResetService,
    EmailChangeService,
  ],
})
export class AccountsModule {}

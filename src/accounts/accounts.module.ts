import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AccountDeletion } from './account-deletion';
import { AdministrationService } from './administration.service';
import { UsersController } from './users.controller';

/** What users and administrators do with accounts: the `/users` routes. */
@Module({
  imports: [UsersModule],
  controllers: [UsersController],
  providers: [AdministrationService, AccountDeletion],
})
export class AccountsModule {}

import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { UsersController } from './users.controller';

/** What users and administrators do with accounts: the `/users` routes. */
@Module({
  imports: [UsersModule],
  controllers: [UsersController],
})
export class AccountsModule {}

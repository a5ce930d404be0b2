import { ApiProperty } from '@nestjs/swagger';
import type { User } from './user.entity';

/** A user as the API shows it: never the password hash. */
export class UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'Ada' }) name!: string;
  @ApiProperty({ type: [String], example: ['user'] }) roles!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'whether the address was proven by a mailed link' })
  emailVerified!: boolean;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles,
    createdAt: user.createdAt.toISOString(),
    emailVerified: user.emailVerified,
  };
}

/** A user as administrators see it: the self view and whether the account is disabled. */
export class AdminUserView extends UserView {
  @ApiProperty({ description: 'set by an administrator: login answers 403 account_disabled' })
  disabled!: boolean;
}

export function toAdminUserView(user: User): AdminUserView {
  return { ...toUserView(user), disabled: user.disabled };
}

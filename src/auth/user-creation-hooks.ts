import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { User } from '../users/user.entity';

export type UserCreationHook = (user: User, manager: EntityManager) => Promise<void>;

/**
 * Work that must commit with a new account (the verification mail of accounts/), without
 * auth/ importing the modules that do it: they register here when their module starts, and
 * CredentialsService.register runs every hook inside its transaction.
 */
@Injectable()
export class UserCreationHooks {
  private readonly hooks: UserCreationHook[] = [];

  add(hook: UserCreationHook): void {
    this.hooks.push(hook);
  }

  async run(user: User, manager: EntityManager): Promise<void> {
    for (const hook of this.hooks) await hook(user, manager);
  }
}

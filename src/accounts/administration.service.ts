import { HttpStatus, Injectable } from '@nestjs/common';
import type { ClientContext } from '../auth/client-context';
import { AuthEventBus } from '../auth/events/auth-event-bus';
import type { Principal } from '../auth/principal';
import { SessionRevoker } from '../auth/revocation/session-revoker';
import { ProblemException } from '../common/problem';
import { canonicalUuid } from '../common/uuid';
import { uniqueRoles } from '../users/user-roles';
import { AdminUserView, toAdminUserView } from '../users/user-view';
import { ChangedUser, UsersRepository } from '../users/users.repository';
import { AccountDeletion, lastAdmin } from './account-deletion';
import { ListUsersQuery, PAGE_LIMIT_DEFAULT, UpdateUserDto } from './dto/accounts.dto';

const notFound = () => new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'no such user');

/**
 * What administrators do to other accounts: list, change roles, disable, delete. Changes that
 * take something away (disabling, removing a role) revoke every session of the user at once,
 * on every instance; an added role reaches the user's access tokens at their next refresh,
 * which reads the roles from the user's row.
 */
@Injectable()
export class AdministrationService {
  constructor(
    private readonly users: UsersRepository,
    private readonly revoker: SessionRevoker,
    private readonly deletion: AccountDeletion,
    private readonly events: AuthEventBus,
  ) {}

  async list(query: ListUsersQuery): Promise<AdminUserView[]> {
    const users = await this.users.list(query.limit ?? PAGE_LIMIT_DEFAULT, query.offset ?? 0);
    return users.map(toAdminUserView);
  }

  async update(
    admin: Principal,
    id: string,
    dto: UpdateUserDto,
    context: ClientContext,
  ): Promise<AdminUserView> {
    const userId = this.otherUser(admin, id);
    const changed = await this.users.change(userId, {
      roles: dto.roles && uniqueRoles(dto.roles),
      disabled: dto.disabled,
    });
    if (changed === 'last_admin') throw lastAdmin();
    if (!changed) throw notFound();
    await this.takeEffect(admin, changed, context);
    return toAdminUserView(changed.user);
  }

  async delete(admin: Principal, id: string, context: ClientContext): Promise<void> {
    const userId = this.otherUser(admin, id);
    if (!(await this.deletion.delete(userId, admin.userId, context))) throw notFound();
  }

  /**
   * The target's id in canonical form: 404 when it is no uuid, 403 when it is the caller's
   * own (an administrator cannot lock themselves out, or demote or delete themselves here).
   */
  private otherUser(admin: Principal, id: string): string {
    const userId = canonicalUuid(id);
    if (!userId) throw notFound();
    if (userId === admin.userId) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'forbidden',
        'administrators cannot change or delete their own account here',
      );
    }
    return userId;
  }

  /** Revokes what must stop now and records what changed. */
  private async takeEffect(
    admin: Principal,
    { user, previous }: ChangedUser,
    context: ClientContext,
  ): Promise<void> {
    const removed = previous.roles.filter((role) => !user.roles.includes(role));
    const added = user.roles.filter((role) => !previous.roles.includes(role));
    // Disabling revokes even when the flag was already set: nothing may be left open.
    if (user.disabled) {
      await this.revoker.revokeAllOfUser(user.id, 'account_disabled', context);
    } else if (removed.length > 0) {
      await this.revoker.revokeAllOfUser(user.id, 'roles_changed', context);
    }
    const detail = { actorId: admin.userId };
    if (user.disabled !== previous.disabled) {
      const type = user.disabled ? 'account_disabled' : 'account_enabled';
      this.events.publish(type, { userId: user.id, context, detail });
    }
    if (removed.length > 0 || added.length > 0) {
      this.events.publish('roles_changed', {
        userId: user.id,
        context,
        detail: {
          ...detail,
          roles: user.roles.join(','),
          added: added.join(','),
          removed: removed.join(','),
        },
      });
    }
  }
}

import { HttpStatus, Injectable, OnModuleInit } from '@nestjs/common';
import type { ClientContext } from '../auth/client-context';
import { CredentialsService } from '../auth/credentials.service';
import { AuthEventBus } from '../auth/events/auth-event-bus';
import type { Principal } from '../auth/principal';
import { LoginLockout } from '../auth/passwords/login-lockout';
import { SessionRevoker } from '../auth/revocation/session-revoker';
import { UserCreationHooks } from '../auth/user-creation-hooks';
import { ProblemException } from '../common/problem';
import { UsersRepository } from '../users/users.repository';

/** 409 last_admin: the change would leave no enabled administrator. */
export const lastAdmin = () =>
  new ProblemException(
    HttpStatus.CONFLICT,
    'last_admin',
    'this change would leave no enabled administrator',
  );

/**
 * Deletes an account so that no token outlives it: first no new session can open, then every
 * session is revoked (announced to every instance), and only then is the user deleted, with
 * their sessions, refresh tokens, notes and every other row that references them (ON DELETE
 * CASCADE). The address is free again at once, with no failed logins: the next account to
 * take it (whose registration clears them too) inherits nothing of this one's lockout.
 */
@Injectable()
export class AccountDeletion implements OnModuleInit {
  constructor(
    private readonly users: UsersRepository,
    private readonly credentials: CredentialsService,
    private readonly revoker: SessionRevoker,
    private readonly events: AuthEventBus,
    private readonly lockout: LoginLockout,
    private readonly creationHooks: UserCreationHooks,
  ) {}

  /** A new account starts with no failed logins, whatever was tried against its address. */
  onModuleInit(): void {
    this.creationHooks.add((user, manager) => this.lockout.reset(user.email, manager));
  }

  /**
   * The caller's own account, once they give their password again: a wrong one is 401
   * invalid_credentials and counts toward the lockout like a failed login (429 while locked).
   */
  async deleteOwn(principal: Principal, password: string, context: ClientContext): Promise<void> {
    await this.credentials.confirmPassword(principal.userId, password, context);
    // Gone meanwhile (another request deleted it): the outcome the caller asked for.
    await this.delete(principal.userId, principal.userId, context);
  }

  /**
   * False for an unknown user; 409 last_admin for the only enabled administrator. `actorId`
   * is who asked: the user themselves or an administrator.
   */
  async delete(userId: string, actorId: string, context: ClientContext): Promise<boolean> {
    // Disabled first: a login or registration racing with the deletion opens no session from
    // here on (a session opens only for a row that is not disabled, under a share lock), so
    // the revocation below catches every session the user will ever have had.
    const disabled = await this.users.change(userId, { disabled: true });
    if (disabled === 'last_admin') throw lastAdmin();
    if (!disabled) return false;
    await this.revoker.revokeAllBeforeDeletion(userId, context);
    const deleted = await this.users.delete(userId);
    await this.lockout.reset(disabled.user.email);
    if (deleted) {
      this.events.publish('account_deleted', { userId, context, detail: { actorId } });
    }
    return deleted;
  }
}

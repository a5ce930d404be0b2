import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import type { Principal } from '../principal';
import { lastSignInMethod } from '../credential-problems';
import { UserCredentials } from '../user-credentials';
import { PASSKEY_CREDENTIAL_KIND } from './passkey-credential-kind';
import { passkeyNotFound } from './passkey-errors';
import { toPasskeyView } from './passkey-view';
import type { PasskeyResponse } from './passkeys.dto';
import { PasskeysRepository } from './passkeys.repository';

/** The caller's own passkeys: list, rename, delete. */
@Injectable()
export class PasskeyManagement {
  constructor(
    private readonly dataSource: DataSource,
    private readonly passkeys: PasskeysRepository,
    private readonly events: AuthEventBus,
    private readonly credentials: UserCredentials,
  ) {}

  async list(principal: Principal): Promise<PasskeyResponse[]> {
    return (await this.passkeys.listOf(principal.userId)).map(toPasskeyView);
  }

  async rename(principal: Principal, id: string | undefined, name: string) {
    const row = id && (await this.passkeys.rename(id, principal.userId, name));
    if (!row) throw passkeyNotFound();
    return toPasskeyView(row);
  }

  /**
   * 404 when it is not the caller's; 409 last_sign_in_method when the account would keep no
   * way in (asked with the user's row locked: of two deletions of the last two, one waits).
   */
  async delete(principal: Principal, id: string | undefined, context: ClientContext) {
    if (id === undefined) throw passkeyNotFound();
    const userId = principal.userId;
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.passkeys.existsOf(id, userId, manager))) {
        throw passkeyNotFound();
      }
      if (
        !(await this.credentials.keepsSignInMethodWithout(userId, PASSKEY_CREDENTIAL_KIND, manager))
      ) {
        throw lastSignInMethod();
      }
      if (!(await this.passkeys.delete(id, userId, manager))) throw passkeyNotFound();
    });
    this.events.publish('passkey_removed', {
      userId: principal.userId,
      sessionId: principal.sessionId,
      context,
      detail: { passkeyId: id },
    });
  }
}

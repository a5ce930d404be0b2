import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClientContext } from '../client-context';
import { AuthEventBus } from '../events/auth-event-bus';
import type { Principal } from '../principal';
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
  ) {}

  async list(principal: Principal): Promise<PasskeyResponse[]> {
    return (await this.passkeys.listOf(principal.userId)).map(toPasskeyView);
  }

  async rename(principal: Principal, id: string | undefined, name: string) {
    const row = id && (await this.passkeys.rename(id, principal.userId, name));
    if (!row) throw passkeyNotFound();
    return toPasskeyView(row);
  }

  async delete(principal: Principal, id: string | undefined, context: ClientContext) {
    const deleted =
      id !== undefined &&
      (await this.dataSource.transaction((manager) =>
        this.passkeys.delete(id, principal.userId, manager),
      ));
    if (!deleted) throw passkeyNotFound();
    this.events.publish('passkey_removed', {
      userId: principal.userId,
      sessionId: principal.sessionId,
      context,
      detail: { passkeyId: id },
    });
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { User } from '../users/user.entity';

/**
 * One kind of credential an account can hold besides its password (TOTP, passkeys, linked
 * identities), as its owning folder describes it: counted and removed in the caller's
 * transaction, without auth/ or accounts/ importing that folder.
 */
export interface CredentialKind {
  name: string;
  /** Opens a session on its own (a passkey, a linked identity); a TOTP factor does not. */
  signsIn: boolean;
  count(userId: string, manager: EntityManager): Promise<number>;
  removeAll(userId: string, manager: EntityManager): Promise<void>;
}

/**
 * The credentials of an account, across the folders that own them. Each owner registers its
 * kind when its module starts; the rule "an account keeps a way to sign in" and the reset of
 * a never-verified address ask here.
 */
@Injectable()
export class UserCredentials {
  private readonly kinds = new Map<string, CredentialKind>();

  register(kind: CredentialKind): void {
    if (this.kinds.has(kind.name)) throw new Error(`credential kind ${kind.name} registered twice`);
    this.kinds.set(kind.name, kind);
  }

  /**
   * Whether the account still has a way to sign in (a password, or another credential that
   * signs in) once one credential of `kindName` goes. Locks the user row first, so of two
   * removals of an account's last two passkeys one waits and then sees one left: run it in the
   * transaction that removes. False also for an unknown user.
   */
  async keepsSignInMethodWithout(
    userId: string,
    kindName: string,
    manager: EntityManager,
  ): Promise<boolean> {
    const user = await manager
      .createQueryBuilder(User, 'user')
      .addSelect('user.passwordHash')
      .setLock('pessimistic_write')
      .where('user.id = :userId', { userId })
      .getOne();
    if (!user) return false;
    if (user.passwordHash !== null) return true;
    let methods = 0;
    for (const kind of this.kinds.values()) {
      if (kind.signsIn) methods += await kind.count(userId, manager);
    }
    const removing = this.kinds.get(kindName)?.signsIn ? 1 : 0;
    return methods - removing > 0;
  }

  /**
   * Removes every registered credential of the user, in the caller's transaction: a password
   * reset of an address that was never verified (whoever set them up had not proved it).
   */
  async removeAllOf(userId: string, manager: EntityManager): Promise<void> {
    for (const kind of this.kinds.values()) await kind.removeAll(userId, manager);
  }
}

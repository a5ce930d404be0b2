import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * Work that goes with the end of every session of a user, in the revocation's own transaction:
 * both commit or neither does.
 */
export type AllSessionsEndedHook = (userId: string, manager: EntityManager) => Promise<void>;

/**
 * What other folders void when every session of a user ends (mfa/ its pending second steps),
 * without the revoker importing them: they register here when their module starts.
 */
@Injectable()
export class RevocationHooks {
  private readonly allSessionsEnded: AllSessionsEndedHook[] = [];

  onAllSessionsEnded(hook: AllSessionsEndedHook): void {
    this.allSessionsEnded.push(hook);
  }

  async runAllSessionsEnded(userId: string, manager: EntityManager): Promise<void> {
    for (const hook of this.allSessionsEnded) await hook(userId, manager);
  }
}

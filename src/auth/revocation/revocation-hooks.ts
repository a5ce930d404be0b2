import { Injectable } from '@nestjs/common';

/** Work that must follow the end of every session of a user, awaited before the revoker returns. */
export type AllSessionsEndedHook = (userId: string) => Promise<void>;

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

  async runAllSessionsEnded(userId: string): Promise<void> {
    for (const hook of this.allSessionsEnded) await hook(userId);
  }
}

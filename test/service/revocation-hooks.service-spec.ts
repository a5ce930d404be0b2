/**
 * Ending every session of a user and what goes with it (pending second steps, mailed links:
 * issue 18 #1) is one transaction: a hook that fails leaves the sessions as they were, so no
 * revocation is ever announced whose cleanup did not commit, and a retry does both.
 */
import { DataSource } from 'typeorm';
import { CredentialsService } from '../../src/auth/credentials.service';
import { RevocationHooks } from '../../src/auth/revocation/revocation-hooks';
import { SessionRevoker } from '../../src/auth/revocation/session-revoker';
import { client, startLatch, type LatchTestingModule } from './latch-testing-module';

describe('SessionRevoker.revokeAllOfUser with its hooks', () => {
  let latch: LatchTestingModule;
  let failNext = false;

  beforeAll(async () => {
    latch = await startLatch();
    latch.get(RevocationHooks).onAllSessionsEnded(async (_userId, manager) => {
      // Writes first, then fails: the write must roll back with the revocation.
      await manager.query(`SELECT 1`);
      if (failNext) throw new Error('hook failed');
    });
  });
  afterAll(() => latch.close());

  it('rolls the revocation back with a failing hook, and links stay pending until it commits', async () => {
    const email = `hooks-${Math.random().toString(36).slice(2)}@example.com`;
    const { user, issued } = await latch
      .get(CredentialsService)
      .register({ email, password: 'correct horse battery' }, client());
    const pending = () =>
      latch.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM link_tokens WHERE user_id = $1 AND used_at IS NULL`,
        [user.id],
      );
    const active = () =>
      latch.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`,
        [user.id],
      );
    expect(issued).toBeDefined();
    expect((await pending())[0].n).toBe(1); // the verification link

    failNext = true;
    await expect(
      latch.get(SessionRevoker).revokeAllOfUser(user.id, 'logout_all', client()),
    ).rejects.toThrow('hook failed');
    expect((await active())[0].n).toBe(1);
    expect((await pending())[0].n).toBe(1);

    failNext = false;
    const ended = await latch.get(SessionRevoker).revokeAllOfUser(user.id, 'logout_all', client());
    expect(ended).toEqual([issued!.sessionId]);
    expect((await active())[0].n).toBe(0);
    expect((await pending())[0].n).toBe(0);
    expect(latch.get(DataSource).isInitialized).toBe(true);
  });
});

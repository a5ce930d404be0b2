/**
 * UserCredentials, the rule that an account keeps a way to sign in: asked with the user's row
 * locked, counting only kinds that sign in, and the password counting as one. A kind counted
 * here from a table of the spec's own, so the rule is tested apart from passkeys and identities.
 */
import { DataSource, type EntityManager } from 'typeorm';
import { AccountOpening } from '../../src/auth/account-opening';
import { UserCredentials } from '../../src/auth/user-credentials';
import { client, startLatch, type LatchTestingModule } from './latch-testing-module';

describe('UserCredentials', () => {
  let latch: LatchTestingModule;
  let credentials: UserCredentials;
  let dataSource: DataSource;
  const removedAll: string[] = [];

  beforeAll(async () => {
    latch = await startLatch();
    credentials = latch.get(UserCredentials);
    dataSource = latch.get(DataSource);
    await latch.sql(`CREATE TABLE spec_keys (user_id uuid NOT NULL, id serial PRIMARY KEY)`);
    const count = async (userId: string, manager: EntityManager) => {
      const [row] = await manager.query(
        `SELECT count(*)::int AS n FROM spec_keys WHERE user_id = $1`,
        [userId],
      );
      return row.n as number;
    };
    credentials.register({
      name: 'spec_keys',
      signsIn: true,
      count,
      removeAll: async (userId, manager) => {
        removedAll.push(userId);
        await manager.query(`DELETE FROM spec_keys WHERE user_id = $1`, [userId]);
      },
    });
  });
  afterAll(() => latch.close());

  async function account(passwordHash: string | null, keys: number): Promise<string> {
    const email = `creds-${Math.random().toString(36).slice(2)}@example.com`;
    const { user } = await latch
      .get(AccountOpening)
      .open({ email, name: '', passwordHash }, client());
    for (let i = 0; i < keys; i++) {
      await latch.sql(`INSERT INTO spec_keys (user_id) VALUES ($1)`, [user.id]);
    }
    return user.id;
  }

  const keeps = (userId: string, kind = 'spec_keys') =>
    dataSource.transaction((m) => credentials.keepsSignInMethodWithout(userId, kind, m));

  it('counts the password as a way in', async () => {
    expect(await keeps(await account('$argon2id$v=19$m=8192,t=1,p=1$x$y', 1))).toBe(true);
  });

  it('refuses to remove the only credential of an account without a password', async () => {
    expect(await keeps(await account(null, 1))).toBe(false);
    expect(await keeps(await account(null, 2))).toBe(true);
  });

  it('is false for an unknown user', async () => {
    expect(await keeps('00000000-0000-4000-8000-000000000000')).toBe(false);
  });

  it('of two removals of the last two, lets one through: the row lock orders them', async () => {
    const userId = await account(null, 2);
    const removeOne = () =>
      dataSource.transaction(async (m) => {
        if (!(await credentials.keepsSignInMethodWithout(userId, 'spec_keys', m))) return false;
        await m.query(
          `DELETE FROM spec_keys WHERE id = (SELECT min(id) FROM spec_keys WHERE user_id = $1)`,
          [userId],
        );
        return true;
      });
    const results = await Promise.all([removeOne(), removeOne()]);
    expect(results.sort()).toEqual([false, true]);
    const [left] = await latch.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM spec_keys WHERE user_id = $1`,
      [userId],
    );
    expect(left.n).toBe(1);
  });

  it('removes every registered kind of a user', async () => {
    const userId = await account(null, 2);
    await dataSource.transaction((m) => credentials.removeAllOf(userId, m));
    expect(removedAll).toContain(userId);
    const [left] = await latch.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM spec_keys WHERE user_id = $1`,
      [userId],
    );
    expect(left.n).toBe(0);
  });

  it('refuses a kind registered twice', () => {
    expect(() =>
      credentials.register({
        name: 'spec_keys',
        signsIn: true,
        count: () => Promise.resolve(0),
        removeAll: () => Promise.resolve(),
      }),
    ).toThrow(/twice/);
  });
});

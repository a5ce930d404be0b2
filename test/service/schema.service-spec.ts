import { randomUUID } from 'node:crypto';
import { CredentialsService } from '../../src/auth/credentials.service';
import { RefreshRotation } from '../../src/auth/refresh/refresh-rotation';
import { parseRefreshToken } from '../../src/auth/refresh/refresh-token-format';
import { client, startLatch, type LatchTestingModule } from './latch-testing-module';

/** A host with its own `users` table keeps it: Latch's tables live in a schema of their own. */
describe("database.schema: Latch's tables in a PostgreSQL schema of their own", () => {
  let latch: LatchTestingModule;
  beforeAll(async () => {
    latch = await startLatch({ database: { schema: 'latch' } });
  });
  afterAll(() => latch.close());

  it('migrates into that schema and leaves public alone', async () => {
    const tables = await latch.sql<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_schema IN ('latch', 'public') AND table_type = 'BASE TABLE'`,
    );
    const inLatch = tables.filter((table) => table.schema === 'latch').map((table) => table.name);
    expect(inLatch).toEqual(
      expect.arrayContaining(['users', 'sessions', 'refresh_tokens', 'migrations']),
    );
    expect(tables.filter((table) => table.schema === 'public')).toEqual([]);
  });

  it('serves a host whose own public.users table differs from Latch’s', async () => {
    await latch.sql(`CREATE TABLE public.users (id serial PRIMARY KEY, nickname text NOT NULL)`);
    await latch.sql(`INSERT INTO public.users (nickname) VALUES ('the host''s own')`);
    const { issued } = await latch
      .get(CredentialsService)
      .register(
        { email: `${randomUUID()}@example.com`, password: 'correct horse battery' },
        client(),
      );
    const rotated = await latch
      .get(RefreshRotation)
      .rotate(parseRefreshToken(issued!.token)!, client());
    expect(rotated.sessionId).toBe(issued!.sessionId);
    const [latchUsers] = await latch.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM latch.users`,
    );
    const [hostUsers] = await latch.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM public.users`,
    );
    expect({ latchUsers: latchUsers.n, hostUsers: hostUsers.n }).toEqual({
      latchUsers: 1,
      hostUsers: 1,
    });
  });
});

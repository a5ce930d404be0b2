import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { Http } from '../support/http';
import { LatchProcess } from '../support/latch-process';
import { PASSWORD, uniqueEmail } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const CLIENTS = 20;
// Long enough to restart the service (embedded start-up included) inside the window.
const GRACE_SECONDS = '60';

interface RefreshClient {
  current: string;
  rotations: number;
  cutOff: boolean;
}

/** Refreshes in a loop, always with the last token it received, until the server dies. */
async function refreshLoop(http: Http, client: RefreshClient, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const response = await http.post('/auth/refresh', { refreshToken: client.current });
      if (response.status !== 200)
        throw new Error(`refresh answered ${response.status}: ${response.text}`);
      client.current = response.body.refreshToken;
      client.rotations++;
    } catch (error) {
      if ((error as Error).message.startsWith('refresh answered')) throw error;
      client.cutOff = true; // the connection died under us: the answer never came
      return;
    }
  }
}

async function withDatabase<T>(db: TestDatabase, use: (client: Client) => Promise<T>): Promise<T> {
  // On the embedded pass the service is stopped first; the test opens its files itself.
  const embedded = db.url ? undefined : await EmbeddedPostgres.start(db.dataDir, 2);
  const client = new Client({ connectionString: db.url ?? embedded!.url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
    await embedded?.stop();
  }
}

describe('crash safety', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('lets every client continue after a SIGKILL during 20 refresh loops, with nothing half-written', async () => {
    const env = {
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      AUTH_REUSE_GRACE: GRACE_SECONDS,
      AUTH_LOGIN_RATE_LIMIT: '0',
      AUTH_REFRESH_RATE_LIMIT: '0',
    };
    const first = await LatchProcess.spawn(env);
    await first.waitHealthy();
    const clients: RefreshClient[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const registered = await first.http.post('/auth/register', {
        email: uniqueEmail('crash'),
        password: PASSWORD,
      });
      expect(registered.status).toBe(201);
      clients.push({ current: registered.body.refreshToken, rotations: 0, cutOff: false });
    }

    const loops = clients.map((client) => refreshLoop(first.http, client, Date.now() + 30_000));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    first.child.kill('SIGKILL');
    await Promise.all(loops);
    expect(await first.waitExit().catch(() => null)).toBeNull(); // killed, not exited
    expect(clients.every((client) => client.rotations > 0)).toBe(true);
    expect(clients.every((client) => client.cutOff)).toBe(true);

    const second = await LatchProcess.spawn(env);
    try {
      await second.waitHealthy();
      // The last token each client received either is still current, or was spent by the
      // request that was cut off; then it is the immediate parent inside the grace window
      // and gets that same successor back.
      for (const client of clients) {
        const response = await second.http.post('/auth/refresh', { refreshToken: client.current });
        expect(response.status).toBe(200);
        const next = await second.http.post('/auth/refresh', {
          refreshToken: response.body.refreshToken,
        });
        expect(next.status).toBe(200);
      }
    } finally {
      expect(await second.stop()).toBe(0);
    }

    const totalRotations = clients.reduce((sum, client) => sum + client.rotations, 0);
    console.log(`crash test: ${totalRotations} rotations before SIGKILL (${db.kind})`);

    await withDatabase(db, async (sql) => {
      const spentWithoutSuccessor = await sql.query(
        `SELECT count(*)::int AS n FROM refresh_tokens t
         JOIN sessions s ON s.id = t.session_id
         WHERE t.rotated_at IS NOT NULL AND s.revoked_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM refresh_tokens c WHERE c.parent_id = t.id)`,
      );
      expect(spentWithoutSuccessor.rows[0].n).toBe(0);
      const orphans = await sql.query(
        `SELECT count(*)::int AS n FROM refresh_tokens c
         WHERE c.parent_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM refresh_tokens p WHERE p.id = c.parent_id)`,
      );
      expect(orphans.rows[0].n).toBe(0);
      const currentPerSession = await sql.query(
        `SELECT s.id, count(t.id) FILTER (WHERE t.rotated_at IS NULL)::int AS current
         FROM sessions s JOIN refresh_tokens t ON t.session_id = s.id GROUP BY s.id`,
      );
      expect(currentPerSession.rows).toHaveLength(CLIENTS);
      expect(currentPerSession.rows.every((row: { current: number }) => row.current === 1)).toBe(
        true,
      );
      const revoked = await sql.query(
        `SELECT count(*)::int AS n FROM sessions WHERE revoked_at IS NOT NULL`,
      );
      expect(revoked.rows[0].n).toBe(0); // no false reuse detection
    });
  });
});

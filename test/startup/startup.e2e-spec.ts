import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { LatchProcess, freePort } from '../support/latch-process';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, TestDatabase, usingPostgres } from '../support/test-database';
import { PASSWORD, uniqueEmail } from '../support/test-app';

/** Starts `node dist/src/main` on the spec's database. */
function spawnOn(db: TestDatabase, env: Record<string, string> = {}) {
  return LatchProcess.spawn({ DATA_DIR: db.dataDir, DATABASE_URL: db.url, ...env });
}

describe('start-up configuration errors', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'latch-config-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['AUTH_ACCESS_TTL', { AUTH_ACCESS_TTL: '15 minutes' }],
    ['AUTH_ACCESS_TTL', { AUTH_ACCESS_TTL: '0' }],
    ['PORT', { PORT: 'eighty' }],
    ['AUTH_REFRESH_TRANSPORT', { AUTH_REFRESH_TRANSPORT: 'carrier-pigeon' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/db' }],
    ['JWT_PRIVATE_KEY', { NODE_ENV: 'production' }],
  ])('stops with one line naming %s', async (variable, env) => {
    const latch = await LatchProcess.spawn({ DATA_DIR: dataDir, ...env });
    const code = await latch.waitExit();
    expect(code).not.toBe(0);
    const lines = latch.logs.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(latch.logs).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('process lifecycle', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('starts healthy, finishes in-flight requests on SIGTERM, exits 0 and keeps its data', async () => {
    const latch = await spawnOn(db);
    const startup = await latch.waitHealthy();
    console.log(`start-up to healthy /health (${db.kind}): ${startup} ms`);

    const email = uniqueEmail();
    expect((await latch.http.post('/auth/register', { email, password: PASSWORD })).status).toBe(
      201,
    );
    // Logins are slow (argon2): some are still running when the signal arrives.
    const inFlight = Array.from({ length: 16 }, () =>
      latch.http.post('/auth/login', { email, password: PASSWORD }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exit = latch.stop('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
    expect(await exit).toBe(0);

    const again = await spawnOn(db);
    try {
      await again.waitHealthy();
      const login = await again.http.post('/auth/login', { email, password: PASSWORD });
      expect(login.status).toBe(200);
    } finally {
      expect(await again.stop('SIGINT')).toBe(0);
    }
  });

  it('retries the database with backoff until it appears', async () => {
    // The database sits behind a proxy that is not listening yet.
    const upstream = db.url ? new URL(db.url) : undefined;
    const proxyPort = await freePort();
    const target = upstream
      ? { host: upstream.hostname, port: Number(upstream.port || 5432) }
      : undefined;
    let proxy: TcpProxy | undefined;
    let embedded: { url: string; stop(): Promise<void> } | undefined;
    if (!target) {
      // Embedded mode: serve a PGlite of our own over the wire protocol, as the app would.
      embedded = await EmbeddedPostgres.start(mkdtempSync(join(tmpdir(), 'latch-pgl-')), 8);
    }
    const server = new URL(embedded?.url ?? db.url!);
    const proxied = new URL(server.toString());
    proxied.port = String(proxyPort);
    const latch = await LatchProcess.spawn({
      DATA_DIR: db.dataDir,
      DATABASE_URL: proxied.toString(),
      LOG_LEVEL: 'warn',
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(latch.logs).toMatch(/database connection attempt 1 failed/);
      expect(latch.logs).toMatch(/database connection attempt 2 failed/);
      proxy = await TcpProxy.start(server.hostname, Number(server.port), proxyPort);
      await latch.waitHealthy(20_000);
    } finally {
      expect(await latch.stop()).toBe(0);
      await proxy?.close();
      await embedded?.stop();
    }
  });
});

it('knows which database it runs on', () => {
  expect(typeof usingPostgres()).toBe('boolean');
});

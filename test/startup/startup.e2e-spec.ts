import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { LatchProcess, freePort } from '../support/latch-process';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, TestDatabase, usingPostgres } from '../support/test-database';
import { eventually, PASSWORD, uniqueEmail } from '../support/test-app';

/** One HTTP request on a given agent (so connections can be opened ahead of time). */
function rawRequest(agent: Agent, port: string, method: string, path: string, body?: string) {
  return new Promise<number>((resolve, reject) => {
    const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
    const req = request({ agent, host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts `node dist/src/main` on the spec's database. */
function spawnOn(db: TestDatabase, env: Record<string, string> = {}) {
  return LatchProcess.spawn({
    DATA_DIR: db.dataDir,
    DATABASE_URL: db.url,
    AUTH_LOGIN_RATE_LIMIT: '0',
    ...env,
  });
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
    const registered = await latch.http.post('/auth/register', { email, password: PASSWORD });
    expect(registered.status).toBe(201);
    // Open the connections first, so every login below is surely received by the server.
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    await Promise.all(
      Array.from({ length: 16 }, () => rawRequest(agent, latch.port, 'GET', '/health')),
    );
    // Logins are slow (argon2, four at a time): most are still running when the signal comes.
    const body = JSON.stringify({ email, password: PASSWORD });
    const inFlight = Array.from({ length: 16 }, () =>
      rawRequest(agent, latch.port, 'POST', '/auth/login', body),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exit = latch.stop('SIGTERM');
    const statuses = await Promise.all(inFlight);
    agent.destroy();
    expect(statuses).toEqual(Array(16).fill(200));
    expect(await exit).toBe(0);

    const again = await spawnOn(db);
    try {
      await again.waitHealthy();
      const login = await again.http.post('/auth/login', { email, password: PASSWORD });
      expect(login.status).toBe(200);
      expect(await again.stop('SIGINT')).toBe(0);
    } finally {
      await again.stop('SIGKILL');
    }
  });

  it('logs JSON lines with the request id and never a password or token', async () => {
    const latch = await spawnOn(db, { LOG_LEVEL: 'info' });
    try {
      await latch.waitHealthy();
      const email = uniqueEmail();
      const secretPassword = 'Sup3r-secret-passphrase';
      const registered = await latch.http.post(
        '/auth/register',
        { email, password: secretPassword },
        { headers: { 'x-request-id': 'trace-register-1' } },
      );
      expect(registered.status).toBe(201);
      const refreshed = await latch.http.post(
        '/auth/refresh',
        { refreshToken: registered.body.refreshToken },
        { headers: { 'x-request-id': 'trace-refresh-1' } },
      );
      expect(refreshed.status).toBe(200);
      await latch.http.get('/auth/me', {
        token: 'not-a-token',
        headers: { 'x-request-id': 'trace-me-1' },
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lines = latch.logs
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { req?: { id?: string; url?: string } });
      const ids = lines.map((line) => line.req?.id);
      expect(ids).toEqual(
        expect.arrayContaining(['trace-register-1', 'trace-refresh-1', 'trace-me-1']),
      );
      for (const secret of [
        secretPassword,
        registered.body.refreshToken,
        registered.body.accessToken,
        refreshed.body.refreshToken,
        refreshed.body.accessToken,
      ]) {
        expect(latch.logs).not.toContain(secret);
      }
      expect(await latch.stop()).toBe(0);
    } finally {
      await latch.stop('SIGKILL');
    }
  });

  it('retries the database with backoff, logging each attempt, until it appears', async () => {
    // The database sits behind a proxy that is not listening yet. On the embedded pass the
    // database is a PGlite of our own, served over the wire protocol as the app would.
    const embedded = db.url
      ? undefined
      : await EmbeddedPostgres.start(mkdtempSync(join(tmpdir(), 'latch-pgl-')), 8);
    const server = new URL(embedded?.url ?? db.url!);
    const proxyPort = await freePort();
    const proxied = new URL(server.toString());
    proxied.port = String(proxyPort);
    const latch = await LatchProcess.spawn({
      DATA_DIR: db.dataDir,
      DATABASE_URL: proxied.toString(),
      DB_POOL_SIZE: embedded ? '1' : '10', // PGlite is one session: one connection
      LOG_LEVEL: 'warn',
    });
    let proxy: TcpProxy | undefined;
    try {
      await eventually(() => Promise.resolve(/attempt 2 failed/.test(latch.logs)), 10_000, 50);
      expect(latch.logs).toMatch(/connection attempt 1 failed/);
      proxy = await TcpProxy.start(server.hostname, Number(server.port), proxyPort);
      await latch.waitHealthy(30_000);
      expect(await latch.stop()).toBe(0);
    } finally {
      await latch.stop('SIGKILL');
      await proxy?.close();
      await embedded?.stop();
    }
  });
});

it('knows which database it runs on', () => {
  expect(typeof usingPostgres()).toBe('boolean');
});

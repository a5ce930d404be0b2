import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { LatchProcess, freePort } from '../support/latch-process';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, TestDatabase, usingPostgres } from '../support/test-database';
import { eventually, PASSWORD, uniqueEmail } from '../support/test-app';

interface RawRequestOptions {
  /** A keep-alive agent, so connections can be opened ahead of time. */
  agent?: Agent;
  body?: string;
  headers?: Record<string, string>;
  /** Send the body in two parts this many ms apart (a body still arriving after the hooks ran). */
  splitBodyMs?: number;
}

/** One HTTP request through node:http, for what fetch cannot do. */
function rawRequest(
  port: string,
  method: string,
  path: string,
  { agent, body, headers = {}, splitBodyMs }: RawRequestOptions = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const allHeaders = body ? { 'content-type': 'application/json', ...headers } : headers;
    const req = request(
      { agent, host: '127.0.0.1', port, method, path, headers: allHeaders },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    if (body === undefined || splitBodyMs === undefined) return void req.end(body);
    req.flushHeaders();
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    setTimeout(() => req.end(body.slice(half)), splitBodyMs);
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

  it('refuses the embedded database in production, with one line naming DATABASE_URL', async () => {
    const latch = await LatchProcess.spawn({
      DATA_DIR: dataDir,
      NODE_ENV: 'production',
      JWT_KEYS_DIR: join(dataDir, 'keys'),
    });
    try {
      const code = await latch.waitExit();
      expect(code).not.toBe(0);
      const lines = latch.logs.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/DATABASE_URL must be set when NODE_ENV=production/);
    } finally {
      await latch.stop('SIGKILL');
    }
  });

  it.each([
    ['DATABASE_URL', 'mysql://latch:Hunter2-db-pw@db.internal:3306/latch', 'Hunter2-db-pw'],
    [
      'JWT_PRIVATE_KEY',
      '-----BEGIN RSA KEY-----\nMIIEsecretbits\n-----END RSA KEY-----',
      'MIIEsecretbits',
    ],
    ['REDIS_URL', 'http://:Redis-s3cret@cache.internal:6379', 'Redis-s3cret'],
  ])('names a refused %s on stderr without printing its value', async (variable, value, secret) => {
    const latch = await LatchProcess.spawn({ DATA_DIR: dataDir, [variable]: value });
    expect(await latch.waitExit()).not.toBe(0);
    expect(latch.logs.trim().split('\n')).toHaveLength(1);
    expect(latch.logs).toContain(variable);
    expect(latch.logs).not.toContain(secret);
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
      Array.from({ length: 16 }, () => rawRequest(latch.port, 'GET', '/health', { agent })),
    );
    // Logins are slow (argon2, four at a time): most are still running when the signal comes.
    const body = JSON.stringify({ email, password: PASSWORD });
    const inFlight = Array.from({ length: 16 }, () =>
      rawRequest(latch.port, 'POST', '/auth/login', { agent, body }).then((r) => r.status),
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

  it('logs JSON lines with the request id on every line and never a password or token', async () => {
    const latch = await spawnOn(db, { LOG_LEVEL: 'info' });
    try {
      await latch.waitHealthy();
      const email = uniqueEmail();
      const secretPassword = 'Sup3r-secret-passphrase';
      const traced = (id: string) => ({ headers: { 'x-request-id': id } });
      const registered = await latch.http.post(
        '/auth/register',
        { email, password: secretPassword },
        traced('trace-register-1'),
      );
      expect(registered.status).toBe(201);
      const refreshed = await latch.http.post(
        '/auth/refresh',
        { refreshToken: registered.body.refreshToken },
        traced('trace-refresh-1'),
      );
      expect(refreshed.status).toBe(200);
      const me = await latch.http.get('/auth/me', {
        token: refreshed.body.accessToken,
        ...traced('trace-me-1'),
      });
      expect(me.status).toBe(200);
      // A request that carries its credential in a cookie, and a wrong password in a body.
      await latch.http.post('/auth/logout', undefined, {
        headers: {
          cookie: `refresh_token=${refreshed.body.refreshToken}`,
          'x-request-id': 'trace-cookie-1',
        },
      });
      await latch.http.post(
        '/auth/login',
        { email, password: `${secretPassword}-wrong` },
        traced('trace-login-1'),
      );
      // Replaying a token two rotations back (outside the grace window's reach) revokes the
      // session, and the service says so in a line written while the request is handled.
      const rotatedAgain = await latch.http.post('/auth/refresh', {
        refreshToken: refreshed.body.refreshToken,
      });
      expect(rotatedAgain.status).toBe(200);
      // The body arrives in two packets, so it is read after the request's hooks have run.
      const replay = await rawRequest(latch.port, 'POST', '/auth/refresh', {
        body: JSON.stringify({ refreshToken: registered.body.refreshToken }),
        headers: { 'x-request-id': 'trace-reuse-1' },
        splitBodyMs: 50,
      });
      expect(replay).toMatchObject({ status: 401, body: expect.stringContaining('reused') });

      type Line = { level: number; reqId?: string; msg?: string; statusCode?: number };
      const linesOf = () =>
        latch.logs
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Line);
      const completed = (reqId: string) =>
        linesOf().find((line) => line.reqId === reqId && line.msg === 'request completed');
      await eventually(() => Promise.resolve(completed('trace-reuse-1') !== undefined));
      expect(completed('trace-register-1')).toMatchObject({ level: 30, statusCode: 201 });
      expect(completed('trace-refresh-1')).toMatchObject({ level: 30, statusCode: 200 });
      expect(completed('trace-me-1')).toMatchObject({ level: 30, statusCode: 200 });
      expect(completed('trace-login-1')).toMatchObject({ level: 40, statusCode: 401 });
      expect(completed('trace-reuse-1')).toMatchObject({ level: 40, statusCode: 401 });
      expect(completed('trace-cookie-1')).toBeDefined();
      const reuseWarning = linesOf().find((line) => line.msg?.includes('refresh token reused'));
      expect(reuseWarning).toMatchObject({ level: 40, reqId: 'trace-reuse-1' });

      for (const secret of [
        secretPassword,
        registered.body.refreshToken,
        registered.body.refreshToken.split('.')[1],
        registered.body.accessToken,
        refreshed.body.refreshToken,
        refreshed.body.accessToken,
        rotatedAgain.body.refreshToken,
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
    // The embedded database listens on a Unix socket only: the proxy gives it a TCP port.
    const server = new URL(db.url ?? 'postgres://postgres@127.0.0.1/postgres');
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
      proxy = embedded
        ? await TcpProxy.toSocket(embedded.socketPath, proxyPort)
        : await TcpProxy.start(server.hostname, Number(server.port), proxyPort);
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

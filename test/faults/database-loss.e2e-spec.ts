import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { TcpProxy } from '../support/tcp-proxy';
import { eventually, login, PASSWORD, registerUser, startApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * The app reaches its database through a loopback proxy the test cuts and restores. On
 * the embedded pass the "server" is a PGlite served over the wire protocol, as the app
 * itself would serve it.
 */
describe('database loss', () => {
  let db: TestDatabase;
  let embedded: EmbeddedPostgres | undefined;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    if (!db.url)
      embedded = await EmbeddedPostgres.start(mkdtempSync(join(tmpdir(), 'latch-pgl-')), 16);
    const server = new URL(db.url ?? 'postgres://postgres@127.0.0.1/postgres');
    // The embedded database listens on a Unix socket only: the proxy gives it a TCP port.
    proxy = embedded
      ? await TcpProxy.toSocket(embedded.socketPath)
      : await TcpProxy.start(server.hostname, Number(server.port || 5432));
    const proxied = new URL(server.toString());
    proxied.port = String(proxy.port);
    // PGlite is a single session: one connection, as the app itself uses it (database.module.ts).
    const env: Record<string, string> = embedded ? { DB_POOL_SIZE: '1' } : {};
    t = await startApp({ db, databaseUrl: proxied.toString(), env });
  });

  afterAll(async () => {
    await t.close();
    await proxy.close();
    await embedded?.stop();
    await db.drop();
  });

  it('answers 503 while the database is gone and recovers by itself', async () => {
    const user = await registerUser(t.http);
    const session = await login(t.http, user.email, PASSWORD);
    expect((await t.http.get('/auth/me', { token: session.accessToken })).status).toBe(200);

    await proxy.cut();

    const health = await t.http.get('/health');
    expect(health.status).toBe(503);
    expect(health.body.code).toBe('service_unavailable');

    const refresh = await t.http.post('/auth/refresh', { refreshToken: session.refreshToken });
    expect(refresh.status).toBe(503);
    expect(refresh.body.code).toBe('service_unavailable');

    const loginWhileDown = await t.http.post('/auth/login', {
      email: user.email,
      password: PASSWORD,
    });
    expect(loginWhileDown.status).toBe(503);
    expect(loginWhileDown.body.code).toBe('service_unavailable');

    const register = await t.http.post('/auth/register', {
      email: `down-${user.email}`,
      password: PASSWORD,
    });
    expect(register.status).toBe(503);

    const usersMe = await t.http.get('/users/me', { token: session.accessToken });
    expect(usersMe.status).toBe(503);

    // Verifying an access token needs no database: /auth/me keeps working, even for a
    // token this instance has not seen before.
    expect((await t.http.get('/auth/me', { token: session.accessToken })).status).toBe(200);
    expect((await t.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);

    await proxy.restore();

    await eventually(async () => (await t.http.get('/health')).status === 200, 15_000, 100);
    // The refresh token was not spent by the failed attempt.
    const after = await t.http.post('/auth/refresh', { refreshToken: session.refreshToken });
    expect(after.status).toBe(200);
    expect(
      (await t.http.post('/auth/login', { email: user.email, password: PASSWORD })).status,
    ).toBe(200);
    expect((await t.http.get('/users/me', { token: after.body.accessToken })).status).toBe(200);
  });

  it('still rejects revoked sessions after the database comes back', async () => {
    const user = await registerUser(t.http);
    expect(
      (await t.http.post('/auth/logout-all', undefined, { token: user.accessToken })).status,
    ).toBe(204);
    await proxy.cut();
    expect((await t.http.get('/auth/me', { token: user.accessToken })).body.code).toBe(
      'session_revoked',
    );
    await proxy.restore();
    await eventually(async () => (await t.http.get('/health')).status === 200, 15_000, 100);
    expect((await t.http.get('/auth/me', { token: user.accessToken })).body.code).toBe(
      'session_revoked',
    );
  });
});

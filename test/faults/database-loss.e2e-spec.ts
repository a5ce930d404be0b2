import { createCuttableDatabase, CuttableDatabase } from '../support/cuttable-database';
import { TcpProxy } from '../support/tcp-proxy';
import { eventually, login, PASSWORD, registerUser, startApp, TestApp } from '../support/test-app';

/** The app reaches its database through a loopback proxy the test cuts and restores. */
describe('database loss', () => {
  let database: CuttableDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await createCuttableDatabase();
    proxy = database.proxy;
    t = await startApp({ db: database.db, databaseUrl: database.url, env: database.env });
  });

  afterAll(async () => {
    await t.close();
    await database.close();
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

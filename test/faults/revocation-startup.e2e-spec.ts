import { RevokedSessionSet } from '../../src/auth/revocation/revoked-session-set';
import { createCuttableDatabase, CuttableDatabase } from '../support/cuttable-database';
import { expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { TcpProxy } from '../support/tcp-proxy';
import { eventually, registerUser, startApp, TestApp } from '../support/test-app';
import type { TestDatabase } from '../support/test-database';

/**
 * Revocation fails closed until the revoked set has been loaded once (defect 4). An instance
 * that starts while the database is unreachable (here: connected and migrated, then cut
 * before its revocation listener could load the set) knows no revoked session, so it must
 * answer 503 rather than accept the token of a revoked session. Once the database is back,
 * live sessions work again and revoked ones stay refused.
 */
function expectUnavailable(response: HttpResponse): void {
  expect({ status: response.status, body: response.body as unknown }).toMatchObject({
    status: 503,
    body: { status: 503, code: 'service_unavailable' },
  });
}

describe('revocation while the revoked set was never loaded', () => {
  let database: CuttableDatabase;
  let db: TestDatabase;
  let proxy: TcpProxy;
  let proxiedUrl: string;
  let env: Record<string, string>;
  let app: TestApp | undefined;

  beforeAll(async () => {
    database = await createCuttableDatabase();
    ({ db, proxy, url: proxiedUrl, env } = database);
  });

  afterAll(async () => {
    await app?.close();
    await database.close();
  });

  it('answers 503 for a revoked session after a restart without the database, then recovers', async () => {
    const first = await startApp({ db, databaseUrl: proxiedUrl, env });
    const revoked = await registerUser(first.http);
    const live = await registerUser(first.http);
    expect(
      (await first.http.post('/auth/logout-all', undefined, { token: revoked.accessToken })).status,
    ).toBe(204);
    expectProblem(
      await first.http.get('/auth/me', { token: revoked.accessToken }),
      401,
      'session_revoked',
    );
    await first.close();

    // The restarted instance reaches its database long enough to connect and migrate, then
    // loses it before the revoked set is loaded.
    app = await startApp({ db, databaseUrl: proxiedUrl, env, beforeInit: () => proxy.cut() });

    const refused = await app.http.get('/auth/me', { token: revoked.accessToken });
    expectUnavailable(refused);
    expect(refused.text).not.toContain(revoked.accessToken);
    // Nothing is known about any session yet: a live one cannot be vouched for either.
    expectUnavailable(await app.http.get('/notes', { token: live.accessToken }));

    await proxy.restore();
    await eventually(
      async () => (await app!.http.get('/auth/me', { token: live.accessToken })).status === 200,
      15_000,
      100,
    );
    expect((await app.http.get('/notes', { token: live.accessToken })).status).toBe(200);
    expectProblem(
      await app.http.get('/auth/me', { token: revoked.accessToken }),
      401,
      'session_revoked',
    );

    // The listener is back and has loaded the set: a later outage serves access tokens from the set, as before.
    const set = app.app.get(RevokedSessionSet);
    await eventually(() => Promise.resolve(set.knownState(live.sessionId) === false), 15_000, 50);
    await proxy.cut();
    expect((await app.http.get('/auth/me', { token: live.accessToken })).status).toBe(200);
    expectProblem(
      await app.http.get('/auth/me', { token: revoked.accessToken }),
      401,
      'session_revoked',
    );
    await proxy.restore();
  });
});

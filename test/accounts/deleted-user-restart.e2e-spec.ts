/**
 * A deleted user's sessions leave no rows behind, yet their access tokens must stay refused
 * until they expire, also on an instance that starts (and loads the revoked-session set from
 * the database) after the deletion.
 */
import { expectProblem } from '../support/forge';
import { login, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('a deleted user, after a restart', () => {
  let db: TestDatabase;
  let t: TestApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await db.drop();
  });

  it('their access tokens still answer 401 session_revoked', async () => {
    t = await startApp({ db });
    const admin = await registerUser(t.http, uniqueEmail('admin'));
    await t.sql(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [admin.user!.id]);
    const adminSession = await login(t.http, admin.email);
    const user = await registerUser(t.http);
    const other = await login(t.http, user.email);
    await t.http.post('/auth/logout', { refreshToken: other.refreshToken }); // revoked earlier
    const deleted = await t.http.delete(`/users/${user.user!.id}`, {
      token: adminSession.accessToken,
    });
    expect(deleted.status).toBe(204);
    const [row] = await t.sql(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [
      user.user!.id,
    ]);
    expect(row.n).toBe(0);
    await t.close();

    t = await startApp({ db });
    for (const token of [user.accessToken, other.accessToken]) {
      expectProblem(await t.http.get('/auth/me', { token }), 401, 'session_revoked');
      expectProblem(await t.http.get('/notes', { token }), 401, 'session_revoked');
    }
    expect((await t.http.get('/auth/me', { token: adminSession.accessToken })).status).toBe(200);
  });
});

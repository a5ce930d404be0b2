/**
 * The last administrator (issue 18 #7): no change leaves the service without an enabled
 * administrator, decided in the same locked statement as the change, so two administrators
 * demoting (or disabling, or deleting) each other at once cannot both succeed.
 */
import { expectProblem } from '../support/forge';
import { usingPostgres } from '../support/test-database';
import { login, PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';

const ROUNDS = Number(process.env.ROUNDS ?? (usingPostgres() ? 8 : 2));

describe('the last administrator', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  /** Makes every administrator an ordinary user, then `n` new administrators, signed in. */
  async function onlyAdmins(n: number) {
    await t.sql(`UPDATE users SET roles = '{user}' WHERE 'admin' = ANY(roles)`);
    const admins = [];
    for (let i = 0; i < n; i++) {
      const registered = await registerUser(t.http, uniqueEmail('admin'));
      const id = registered.user!.id;
      await t.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [id]);
      admins.push({ id, email: registered.email, ...(await login(t.http, registered.email)) });
    }
    return admins;
  }

  const enabledAdmins = async () =>
    (
      await t.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM users WHERE 'admin' = ANY(roles) AND NOT disabled`,
      )
    )[0].n;

  it.each<[string, object]>([
    ['demoting', { roles: ['user'] }],
    ['disabling', { disabled: true }],
  ])(
    'two administrators %s each other at once: one wins, the other gets 409 last_admin',
    async (_name, body) => {
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = await onlyAdmins(2);
        const answers = await Promise.all([
          t.http.patch(`/users/${b.id}`, body, { token: a.accessToken }),
          t.http.patch(`/users/${a.id}`, body, { token: b.accessToken }),
        ]);
        const statuses = answers.map((r) => r.status).sort();
        // The loser may also have been revoked by the winner's change before it was heard (401).
        expect([
          [200, 409],
          [200, 401],
        ]).toContainEqual(statuses);
        const refused = answers.find((r) => r.status === 409);
        if (refused) expectProblem(refused, 409, 'last_admin');
        expect(await enabledAdmins()).toBe(1);
      }
    },
  );

  it('two administrators deleting each other at once leave one', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await onlyAdmins(2);
      await Promise.all([
        t.http.delete(`/users/${b.id}`, { token: a.accessToken }),
        t.http.delete(`/users/${a.id}`, { token: b.accessToken }),
      ]);
      expect(await enabledAdmins()).toBe(1);
    }
  });

  it('the only administrator cannot delete itself with DELETE /users/me: 409 last_admin', async () => {
    const [only] = await onlyAdmins(1);
    const response = await t.http.delete('/users/me', {
      token: only.accessToken,
      body: { password: PASSWORD },
    });
    expectProblem(response, 409, 'last_admin');
    expect(await enabledAdmins()).toBe(1);
    expect((await t.http.get('/auth/me', { token: only.accessToken })).status).toBe(200);
  });

  it('with another administrator, demoting and deleting oneself still work', async () => {
    const [a, b] = await onlyAdmins(2);
    expect(
      (await t.http.patch(`/users/${b.id}`, { roles: ['user'] }, { token: a.accessToken })).status,
    ).toBe(200);
    await t.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [b.id]);
    const gone = await t.http.delete('/users/me', {
      token: a.accessToken,
      body: { password: PASSWORD },
    });
    expect(gone.status).toBe(204);
    expect(await enabledAdmins()).toBe(1);
  });
});

/**
 * Accounts without a password (v1.2: signed up with a passkey or an identity provider). Made
 * here by clearing the hash in the database, so these rules hold whichever credential made
 * the account: login answers invalid_credentials exactly as for a wrong password, a password
 * confirmation fails, POST /auth/password gives the account a password without asking for a
 * current one (and ends the other sessions, as a change does), and once it has one the
 * current password is asked again.
 */
import { expectProblem } from '../support/forge';
import { login, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';

describe('accounts without a password', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  async function passwordlessAccount() {
    const registered = await registerUser(t.http, uniqueEmail('nopass'));
    await t.sql(`UPDATE users SET password_hash = NULL WHERE id = $1`, [registered.user!.id]);
    return registered;
  }

  it('refuses any password at login with the body of a wrong one', async () => {
    const account = await passwordlessAccount();
    const none = await t.http.post('/auth/login', { email: account.email, password: 'x' });
    const wrong = await t.http.post('/auth/login', {
      email: uniqueEmail('nobody'),
      password: 'x',
    });
    expectProblem(none, 401, 'invalid_credentials');
    expect(none.body).toEqual(wrong.body);
  });

  it('refuses a password confirmation (e-mail change) with invalid_credentials', async () => {
    const account = await passwordlessAccount();
    const response = await t.http.post(
      '/auth/email',
      { newEmail: uniqueEmail('moved'), currentPassword: account.password },
      { token: account.accessToken },
    );
    expectProblem(response, 401, 'invalid_credentials');
  });

  it('gains a password without a current one, which ends its other sessions', async () => {
    const account = await passwordlessAccount();
    const other = await t.http.post('/auth/refresh', { refreshToken: account.refreshToken });
    expect(other.status).toBe(200);
    const set = await t.http.post(
      '/auth/password',
      { newPassword: 'a brand new passphrase' },
      { token: account.accessToken },
    );
    expect(set.status).toBe(204);
    const [row] = await t.sql<{ password_hash: string | null }>(
      `SELECT password_hash FROM users WHERE id = $1`,
      [account.user!.id],
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    await expect(login(t.http, account.email, 'a brand new passphrase')).resolves.toBeDefined();

    // Now it has one: the current password is asked again, and a missing one is wrong.
    const unchecked = await t.http.post(
      '/auth/password',
      { newPassword: 'yet another passphrase' },
      { token: account.accessToken },
    );
    expectProblem(unchecked, 401, 'invalid_credentials');
  });

  it('lets exactly one of two simultaneous first passwords win', async () => {
    const account = await passwordlessAccount();
    const answers = await Promise.all(
      ['first racing passphrase', 'second racing passphrase'].map((newPassword) =>
        t.http.post('/auth/password', { newPassword }, { token: account.accessToken }),
      ),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([204, 401]);
  });
});

/**
 * Issue 18, "Where the code and the contract disagree": body-less routes refuse unknown body
 * fields, login/mfa refuses code and recoveryCode together whatever their values, and an
 * unknown id of any length is 404.
 */
import { expectProblem } from '../support/forge';
import { login, registerUser, startApp, TestApp } from '../support/test-app';

describe('contract: bodies and ids', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('body-less routes answer 400 validation_failed to an unknown body field', async () => {
    const user = await registerUser(t.http);
    const token = user.accessToken;
    const extra = { unexpected: 1 };
    expectProblem(await t.http.post('/auth/mfa/totp', extra, { token }), 400, 'validation_failed');
    expectProblem(
      await t.http.post('/auth/mfa/recovery-codes', extra, { token }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.http.post('/auth/logout-all', extra, { token }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.http.delete('/auth/sessions/00000000-0000-4000-8000-000000000000', {
        token,
        body: extra,
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.http.post('/auth/verify-email/send', extra, { token }),
      400,
      'validation_failed',
    );
    const someId = '00000000-0000-4000-8000-000000000000';
    expectProblem(
      await t.http.delete(`/notes/${someId}`, { token, body: extra }),
      400,
      'validation_failed',
    );
    const admin = await registerUser(t.http);
    await t.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [admin.user!.id]);
    const adminToken = (await login(t.http, admin.email)).accessToken;
    expectProblem(
      await t.http.delete(`/users/${user.user!.id}`, { token: adminToken, body: extra }),
      400,
      'validation_failed',
    );
    // Without a body (or an empty one) they answer as before.
    // (past validation: the registration's mail went out inside AUTH_MAIL_INTERVAL)
    expectProblem(
      await t.http.post('/auth/verify-email/send', {}, { token }),
      429,
      'too_many_requests',
    );
    expect((await t.http.delete(`/notes/${someId}`, { token })).status).toBe(404);
    expect((await t.http.post('/auth/mfa/totp', {}, { token })).status).toBe(200);
    expect((await t.http.post('/auth/logout-all', undefined, { token })).status).toBe(204);
  });

  it('login/mfa with code and recoveryCode: null is 400 validation_failed', async () => {
    const response = await t.http.post('/auth/login/mfa', {
      mfaToken: 'a'.repeat(43),
      code: '123456',
      recoveryCode: null,
    });
    expectProblem(response, 400, 'validation_failed');
  });

  it('PATCH /users/<300-character id> is 404 like any unknown id', async () => {
    const admin = await registerUser(t.http);
    await t.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [admin.user!.id]);
    const { accessToken } = await login(t.http, admin.email);
    const response = await t.http.patch(
      `/users/${'a'.repeat(300)}`,
      { name: 'x' },
      { token: accessToken },
    );
    expectProblem(response, 404, 'not_found');
  });
});

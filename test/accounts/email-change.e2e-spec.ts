import { expectProblem } from '../support/forge';
import { linkToken, TestSmtpServer } from '../support/smtp';
import { login, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';

describe('e-mail change', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await startApp({ env: { SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('mails a link to the new address and a notice without a link to the old; switches on confirm', async () => {
    const user = await registerUser(t.http);
    const verifyToken = linkToken((await smtp.waitFor(user.email))[0], '/verify-email');
    const newEmail = uniqueEmail('moved');
    const asked = await t.http.post(
      '/auth/email',
      { newEmail: `  ${newEmail.toUpperCase()} `, currentPassword: user.password },
      { token: user.accessToken },
    );
    expect(asked.status).toBe(202);
    expect(asked.text).toBe('');

    const [confirmation] = await smtp.waitFor(newEmail);
    const token = linkToken(confirmation, '/confirm-email');
    const notices = await smtp.waitFor(user.email, 2);
    const notice = notices[1];
    expect(notice.text).toContain(newEmail);
    expect(notice.text).not.toMatch(/https?:\/\//);
    expect(notice.html || '').not.toMatch(/href=|https?:\/\//);

    // Nothing changes before the confirmation.
    const me = async (access: string) => (await t.http.get('/users/me', { token: access })).body;
    expect(await me(user.accessToken)).toMatchObject({ email: user.email, emailVerified: false });

    expect((await t.http.post('/auth/email/confirm', { token })).status).toBe(204);
    expect(await me(user.accessToken)).toMatchObject({ email: newEmail, emailVerified: true });
    await login(t.http, newEmail, user.password);
    expectProblem(
      await t.http.post('/auth/login', { email: user.email, password: user.password }),
      401,
      'invalid_credentials',
    );
    expectProblem(await t.http.post('/auth/email/confirm', { token }), 400, 'invalid_link');
    // The verification link mailed to the old address stopped working.
    expectProblem(
      await t.http.post('/auth/verify-email', { token: verifyToken }),
      400,
      'invalid_link',
    );
    const types = (
      (await t.http.get('/auth/events', { token: user.accessToken })).body as {
        type: string;
      }[]
    ).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['email_change_requested', 'email_changed']));
  });

  it('wrong password 401, address in use 409, taken meanwhile 409 with the link unspent', async () => {
    const user = await registerUser(t.http);
    const other = await registerUser(t.http);
    expectProblem(
      await t.http.post(
        '/auth/email',
        { newEmail: uniqueEmail(), currentPassword: 'not my password' },
        { token: user.accessToken },
      ),
      401,
      'invalid_credentials',
    );
    expectProblem(
      await t.http.post(
        '/auth/email',
        { newEmail: other.email, currentPassword: user.password },
        { token: user.accessToken },
      ),
      409,
      'email_taken',
    );
    const wanted = uniqueEmail('wanted');
    expect(
      (
        await t.http.post(
          '/auth/email',
          { newEmail: wanted, currentPassword: user.password },
          { token: user.accessToken },
        )
      ).status,
    ).toBe(202);
    const token = linkToken((await smtp.waitFor(wanted))[0], '/confirm-email');
    // A second request inside the interval: 429.
    const again = await t.http.post(
      '/auth/email',
      { newEmail: uniqueEmail(), currentPassword: user.password },
      { token: user.accessToken },
    );
    expectProblem(again, 429, 'too_many_requests');
    await registerUser(t.http, wanted);
    expectProblem(await t.http.post('/auth/email/confirm', { token }), 409, 'email_taken');
    const [row] = await t.sql(
      `SELECT used_at FROM link_tokens WHERE user_id = $1 AND kind = 'change_email'`,
      [user.user!.id],
    );
    expect(row.used_at).toBeNull();
  });

  // Issue 18 #14: the stored address must be the one mail goes to.
  it.each([
    ['a control character', '"a\u0001b"@example.com'],
    ['CR LF', '"a\r\nbcc: x@example.org"@example.com'],
    ['a tab', '"a\tb"@example.com'],
    ['DEL', '"a\u007fb"@example.com'],
    ['angle brackets', '"a<x@example.org>"@example.com'],
    ['a lone >', '"a>b"@example.com'],
  ])(
    'a quoted local part with %s → 400 validation_failed, on register and POST /auth/email',
    async (_name, address) => {
      expectProblem(
        await t.http.post('/auth/register', { email: address, password: 'a long enough one' }),
        400,
        'validation_failed',
      );
      const user = await registerUser(t.http);
      expectProblem(
        await t.http.post(
          '/auth/email',
          { newEmail: address, currentPassword: user.password },
          { token: user.accessToken },
        ),
        400,
        'validation_failed',
      );
      expect(
        await t.sql(`SELECT 1 FROM users WHERE email = $1`, [address.toLowerCase()]),
      ).toHaveLength(0);
    },
  );
});

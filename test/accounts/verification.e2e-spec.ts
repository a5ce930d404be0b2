import { expectProblem } from '../support/forge';
import { linkToken, TestSmtpServer } from '../support/smtp';
import { registerUser, startApp, TestApp } from '../support/test-app';

describe('e-mail verification', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await startApp({ env: { SMTP_URL: smtp.url, APP_URL: 'https://app.example.com' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const me = async (token: string) => (await t.http.get('/users/me', { token })).body;

  it('mails a link at registration whose token verifies the address, once', async () => {
    const user = await registerUser(t.http);
    expect(user.user).toMatchObject({ emailVerified: false });
    const [mail] = await smtp.waitFor(user.email);
    expect(mail.subject).toMatch(/confirm/i);
    expect(mail.html).toContain('https://app.example.com/verify-email#token=');
    const token = linkToken(mail, '/verify-email');
    // Only the hash is stored.
    const stored = await t.sql(`SELECT token_hash FROM link_tokens WHERE user_id = $1`, [
      user.user!.id,
    ]);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);

    expect((await t.http.post('/auth/verify-email', { token })).status).toBe(204);
    expect(await me(user.accessToken)).toMatchObject({ emailVerified: true });
    expectProblem(await t.http.post('/auth/verify-email', { token }), 400, 'invalid_link', [token]);
    // The outbox forgets the link once the mail is sent.
    const [row] = await t.sql(`SELECT status, params FROM mail_outbox WHERE user_id = $1`, [
      user.user!.id,
    ]);
    expect(row).toEqual({ status: 'sent', params: {} });
  });

  it('refuses an expired link, and changes nothing', async () => {
    const user = await registerUser(t.http);
    const token = linkToken((await smtp.waitFor(user.email))[0], '/verify-email');
    await t.sql(
      `UPDATE link_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.user!.id],
    );
    expectProblem(await t.http.post('/auth/verify-email', { token }), 400, 'invalid_link');
    expect(await me(user.accessToken)).toMatchObject({ emailVerified: false });
  });

  it('refuses unknown tokens, tokens of another shape and tokens of another kind', async () => {
    for (const token of ['A'.repeat(43), 'short', 'x'.repeat(5000), 'a b', '']) {
      expectProblem(await t.http.post('/auth/verify-email', { token }), 400, 'invalid_link');
    }
  });

  it('send: 429 inside the interval (the registration mail counts), then a new link that replaces the old', async () => {
    const user = await registerUser(t.http);
    const first = linkToken((await smtp.waitFor(user.email))[0], '/verify-email');
    const early = await t.http.post('/auth/verify-email/send', undefined, {
      token: user.accessToken,
    });
    expectProblem(early, 429, 'too_many_requests');
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(early.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    await t.sql(
      `UPDATE mail_outbox SET created_at = created_at - interval '61 seconds' WHERE user_id = $1`,
      [user.user!.id],
    );
    const again = await t.http.post('/auth/verify-email/send', undefined, {
      token: user.accessToken,
    });
    expect(again.status).toBe(202);
    expect(again.text).toBe('');
    const mails = await smtp.waitFor(user.email, 2);
    const second = linkToken(mails[1], '/verify-email');
    expectProblem(await t.http.post('/auth/verify-email', { token: first }), 400, 'invalid_link');
    expect((await t.http.post('/auth/verify-email', { token: second })).status).toBe(204);

    // Verified: 202 and nothing sent.
    await t.sql(
      `UPDATE mail_outbox SET created_at = created_at - interval '61 seconds' WHERE user_id = $1`,
      [user.user!.id],
    );
    const verified = await t.http.post('/auth/verify-email/send', undefined, {
      token: user.accessToken,
    });
    expect(verified.status).toBe(202);
    const [{ n }] = await t.sql(`SELECT count(*)::int AS n FROM mail_outbox WHERE user_id = $1`, [
      user.user!.id,
    ]);
    expect(n).toBe(2);
  });

  it('send needs an access token', async () => {
    expectProblem(await t.http.post('/auth/verify-email/send'), 401, 'missing_token');
  });

  it('records the audit events', async () => {
    const user = await registerUser(t.http);
    const token = linkToken((await smtp.waitFor(user.email))[0], '/verify-email');
    await t.http.post('/auth/verify-email', { token });
    const events = (await t.http.get('/auth/events', { token: user.accessToken })).body as {
      type: string;
    }[];
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['email_verification_sent', 'email_verified']));
  });
});

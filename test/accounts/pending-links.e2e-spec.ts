/**
 * Pending mailed links across recovery steps (issue 18): whatever the owner does to take the
 * account back spends every link still pending, the e-mail change included.
 */
import { PasswordResetService } from '../../src/accounts/password-reset.service';
import { CleanupService } from '../../src/maintenance/cleanup.service';
import { enableTotp, TestClock } from '../mfa/helpers';
import { expectProblem } from '../support/forge';
import { linkToken, TestSmtpServer } from '../support/smtp';
import {
  login,
  PASSWORD,
  registerUser,
  startApp,
  TestApp,
  TokenResponse,
  uniqueEmail,
} from '../support/test-app';

const NEW_PASSWORD = 'a brand new passphrase';

type Registered = Awaited<ReturnType<typeof registerUser>>;

describe('pending links', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let admin: TokenResponse;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await startApp({
      env: { SMTP_URL: smtp.url, AUTH_MAIL_INTERVAL: '0s', AUTH_RETENTION: '1d' },
    });
    const registered = await registerUser(t.http, uniqueEmail('admin'));
    await t.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [registered.user!.id]);
    admin = await login(t.http, registered.email);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** The attacker, signed in with the stolen password, asks to move the account. */
  async function pendingEmailChange(user: Registered): Promise<string> {
    const attacker = uniqueEmail('attacker');
    const asked = await t.http.post(
      '/auth/email',
      { newEmail: attacker, currentPassword: user.password },
      { token: user.accessToken },
    );
    expect(asked.status).toBe(202);
    return linkToken((await smtp.waitFor(attacker))[0], '/confirm-email');
  }

  async function resetPassword(user: Registered): Promise<void> {
    expect((await t.http.post('/auth/password/forgot', { email: user.email })).status).toBe(202);
    const mails = await smtp.waitFor(user.email, 3); // verification, change notice, reset
    const reset = mails.filter((m) => /reset/i.test(m.subject ?? '')).pop()!;
    const token = linkToken(reset, '/reset-password');
    const done = await t.http.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD });
    expect(done.status).toBe(204);
  }

  const steps: [string, (user: Registered) => Promise<void>][] = [
    ['a password reset', resetPassword],
    [
      'a password change',
      async (user) => {
        const owner = await login(t.http, user.email);
        const changed = await t.http.post(
          '/auth/password',
          { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
          { token: owner.accessToken },
        );
        expect(changed.status).toBe(204);
      },
    ],
    [
      'logout-all',
      async (user) => {
        const owner = await login(t.http, user.email);
        const out = await t.http.post('/auth/logout-all', {}, { token: owner.accessToken });
        expect(out.status).toBe(204);
      },
    ],
    [
      'a role removal',
      async (user) => {
        await t.sql(`UPDATE users SET roles = '{user,editor}' WHERE id = $1`, [user.user!.id]);
        const changed = await t.http.patch(
          `/users/${user.user!.id}`,
          { roles: ['user'] },
          { token: admin.accessToken },
        );
        expect(changed.status).toBe(200);
      },
    ],
    [
      'disabling',
      async (user) => {
        const changed = await t.http.patch(
          `/users/${user.user!.id}`,
          { disabled: true },
          { token: admin.accessToken },
        );
        expect(changed.status).toBe(200);
      },
    ],
  ];

  it.each(steps)('%s spends a pending e-mail change (#1)', async (_name, step) => {
    const user = await registerUser(t.http);
    const token = await pendingEmailChange(user);
    await step(user);
    expectProblem(await t.http.post('/auth/email/confirm', { token }), 400, 'invalid_link');
    const [row] = await t.sql(`SELECT email FROM users WHERE id = $1`, [user.user!.id]);
    expect(row.email).toBe(user.email);
    const pending = await t.sql(
      `SELECT 1 FROM link_tokens WHERE user_id = $1 AND used_at IS NULL`,
      [user.user!.id],
    );
    expect(pending).toHaveLength(0);
  });

  it('a disabled account cannot confirm an e-mail change (#1)', async () => {
    const user = await registerUser(t.http);
    const token = await pendingEmailChange(user);
    // Disabled by a path that spent nothing (as a race with the administrator would leave it).
    await t.sql(`UPDATE users SET disabled = true WHERE id = $1`, [user.user!.id]);
    expectProblem(await t.http.post('/auth/email/confirm', { token }), 400, 'invalid_link');
    const [row] = await t.sql(`SELECT email FROM users WHERE id = $1`, [user.user!.id]);
    expect(row.email).toBe(user.email);
  });

  /** Asks for a reset link and returns the newest one mailed to the address. */
  async function forgot(email: string, resetsBefore: number): Promise<string> {
    expect((await t.http.post('/auth/password/forgot', { email })).status).toBe(202);
    const isReset = (subject?: string) => /reset/i.test(subject ?? '');
    let resets: ReturnType<typeof smtp.to> = [];
    for (let i = 0; i < 200 && resets.length <= resetsBefore; i++) {
      resets = smtp.to(email).filter((m) => isReset(m.subject));
      if (resets.length <= resetsBefore) await new Promise((r) => setTimeout(r, 25));
    }
    expect(resets).toHaveLength(resetsBefore + 1);
    return linkToken(resets[resets.length - 1], '/reset-password');
  }

  it('a second password/forgot keeps the earlier reset link; a reset spends them all (#11)', async () => {
    const user = await registerUser(t.http);
    const first = await forgot(user.email, 0);
    const second = await forgot(user.email, 1);
    const reset = (token: string) =>
      t.http.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD });
    expect((await reset(first)).status).toBe(204);
    expectProblem(await reset(second), 400, 'invalid_link');
    await login(t.http, user.email, NEW_PASSWORD);
  });

  describe('a reset and the second factor (decided in issue 18)', () => {
    afterEach(() => jest.restoreAllMocks());

    async function resetWithTotp(verified: boolean) {
      const clock = new TestClock(t);
      const user = await enableTotp(t, clock);
      if (verified) {
        await t.sql(`UPDATE users SET email_verified = true WHERE id = $1`, [user.user!.id]);
      }
      const token = await forgot(user.email, 0);
      const done = await t.http.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD });
      expect(done.status).toBe(204);
      const factors = await t.sql(`SELECT 1 FROM totp_factors WHERE user_id = $1`, [user.user!.id]);
      const codes = await t.sql(`SELECT 1 FROM recovery_codes WHERE user_id = $1`, [user.user!.id]);
      const loggedIn = await t.http.post('/auth/login', {
        email: user.email,
        password: NEW_PASSWORD,
      });
      return { factors, codes, loggedIn };
    }

    it('of an account whose address was never verified removes its TOTP factor', async () => {
      const { factors, codes, loggedIn } = await resetWithTotp(false);
      expect(factors).toHaveLength(0);
      expect(codes).toHaveLength(0);
      expect(loggedIn.status).toBe(200);
    });

    it('of a verified account keeps it', async () => {
      const { factors, codes, loggedIn } = await resetWithTotp(true);
      expect(factors).toHaveLength(1);
      expect(codes.length).toBeGreaterThan(0);
      expectProblem(loggedIn, 401, 'mfa_required');
    });
  });

  it('cleanup prunes links expired and mails sent or failed more than AUTH_RETENTION ago (#12)', async () => {
    const user = await registerUser(t.http);
    const id = user.user!.id;
    await smtp.waitFor(user.email); // the verification mail, sent: recent, kept
    await t.sql(
      `INSERT INTO link_tokens (user_id, kind, token_hash, expires_at, used_at) VALUES
         ($1, 'reset_password', '\\xa1', now() - interval '2 days', NULL),
         ($1, 'change_email', '\\xa2', now() - interval '3 days', now() - interval '4 days'),
         ($1, 'reset_password', '\\xa3', now() - interval '2 hours', now() - interval '3 hours')`,
      [id],
    );
    await t.sql(
      `INSERT INTO mail_outbox (user_id, kind, recipient, status, created_at, sent_at) VALUES
         ($1, 'verify_email', 'old@example.com', 'sent', now() - interval '2 days', now() - interval '2 days'),
         ($1, 'verify_email', 'old@example.com', 'failed', now() - interval '2 days', NULL),
         ($1, 'verify_email', 'old@example.com', 'pending', now() - interval '2 days', NULL)`,
      [id],
    );
    const result = await t.app.get(CleanupService).runOnce();
    expect(result).toMatchObject({ linkTokens: 2, mailOutbox: 2 });
    const links = await t.sql(
      `SELECT encode(token_hash, 'hex') AS h FROM link_tokens WHERE user_id = $1 AND token_hash IN ('\\xa1', '\\xa2', '\\xa3')`,
      [id],
    );
    expect(links).toEqual([{ h: 'a3' }]);
    const mails = await t.sql<{ status: string; recipient: string }>(
      `SELECT status, recipient FROM mail_outbox WHERE user_id = $1 ORDER BY id`,
      [id],
    );
    expect(mails).toEqual([
      { status: 'sent', recipient: user.email },
      { status: 'pending', recipient: 'old@example.com' },
    ]);
    expect(await t.app.get(CleanupService).runOnce()).toMatchObject({
      linkTokens: 0,
      mailOutbox: 0,
    });
  });

  it('password/forgot answers 503 service_unavailable with Retry-After once its queue is full (#13)', async () => {
    const service = t.app.get(PasswordResetService);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const spy = jest.spyOn(service, 'request').mockImplementation(() => stuck);
    try {
      const answers = [];
      for (let i = 0; i < 101; i++) {
        answers.push(await t.http.post('/auth/password/forgot', { email: uniqueEmail() }));
      }
      expect(answers.slice(0, 100).every((r) => r.status === 202)).toBe(true);
      const full = answers[100];
      // (expectProblem asserts a 4xx: a 503 is checked by hand.)
      expect(full.status).toBe(503);
      expect(full.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(full.body).toMatchObject({ status: 503, code: 'service_unavailable' });
      expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      release();
      spy.mockRestore();
    }
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.http.post('/auth/password/forgot', { email: uniqueEmail() })).status).toBe(202);
  });
});

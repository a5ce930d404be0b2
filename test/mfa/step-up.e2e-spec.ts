/**
 * The authentication methods of a token (amr, RFC 8176) and the routes that need a second
 * factor (RFC 9470 step-up): amr ["pwd"] for a password alone, kept by refresh, shown by
 * /auth/me; @Authorized({ mfa: true }) answers 401 insufficient_user_authentication to a
 * password-only token; with AUTH_ADMIN_REQUIRE_MFA=true every admin route does. A password
 * reset does not turn TOTP off.
 */
import { rotate } from '../auth/helpers';
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
import {
  amrOf,
  enableTotp,
  loginWithCode,
  mfaToken,
  newRecoveryCodes,
  passwordLogin,
  PWD,
  PWD_OTP,
  startEnrolment,
  TestClock,
} from './helpers';

const NEW_PASSWORD = 'a brand new passphrase';

describe('amr and step-up', () => {
  let t: TestApp;
  let clock: TestClock;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock = new TestClock(t);
  });
  afterEach(() => jest.restoreAllMocks());

  it('without TOTP, register, login and refresh give amr ["pwd"], and /auth/me shows it', async () => {
    const user = await registerUser(t.http);
    expect(amrOf(user.accessToken)).toEqual(PWD);
    const loggedIn = await login(t.http, user.email);
    expect(amrOf(loggedIn.accessToken)).toEqual(PWD);
    const refreshed = await rotate(t, loggedIn.refreshToken);
    expect(amrOf(refreshed.accessToken)).toEqual(PWD);
    const me = await t.http.get('/auth/me', { token: refreshed.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: user.user!.id, sessionId: loggedIn.sessionId });
    expect(me.body.amr).toEqual(PWD);
    const rows = await t.sql(`SELECT amr FROM sessions WHERE id = $1`, [loggedIn.sessionId]);
    expect(rows[0].amr).toEqual(PWD);
  });

  it('after confirm the caller still has ["pwd"]; its next refresh gives ["pwd","otp","mfa"], and refresh keeps it', async () => {
    const user = await enableTotp(t, clock);
    expect(amrOf(user.accessToken)).toEqual(PWD);
    expect((await t.http.get('/auth/me', { token: user.accessToken })).body.amr).toEqual(PWD);
    const once = await rotate(t, user.refreshToken);
    expect(amrOf(once.accessToken)).toEqual(PWD_OTP);
    const twice = await rotate(t, once.refreshToken);
    expect(amrOf(twice.accessToken)).toEqual(PWD_OTP);

    const viaCode = await loginWithCode(t, clock, user);
    const refreshed = await rotate(t, viaCode.refreshToken);
    expect(amrOf(refreshed.accessToken)).toEqual(PWD_OTP);
    expect((await t.http.get('/auth/me', { token: refreshed.accessToken })).body.amr).toEqual(
      PWD_OTP,
    );
  });

  it('a step-up route refuses a password-only token with 401 insufficient_user_authentication and a WWW-Authenticate challenge', async () => {
    const user = await enableTotp(t, clock);
    const response = await newRecoveryCodes(t, user.accessToken);
    expectProblem(response, 401, 'insufficient_user_authentication', [user.accessToken]);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate') ?? '').toContain(
      'insufficient_user_authentication',
    );
    expect(response.headers.get('www-authenticate') ?? '').toMatch(/^Bearer\b/);
  });

  it('a step-up route accepts a token that passed the second factor (at login, or by a refresh after confirm)', async () => {
    const user = await enableTotp(t, clock);
    const viaLogin = await loginWithCode(t, clock, user);
    expect((await newRecoveryCodes(t, viaLogin.accessToken)).status).toBe(200);
    const viaRefresh = await rotate(t, user.refreshToken);
    expect((await newRecoveryCodes(t, viaRefresh.accessToken)).status).toBe(200);
  });

  it('a step-up route refuses a token of a user without TOTP (amr ["pwd"])', async () => {
    const user = await registerUser(t.http);
    const response = await newRecoveryCodes(t, user.accessToken);
    // Password only: insufficient; or, the factor being off, nothing to renew.
    expectProblem(response, response.status, ['insufficient_user_authentication', 'not_found']);
    expect([401, 404]).toContain(response.status);
  });

  describe('password reset', () => {
    let smtp: TestSmtpServer;
    let r: TestApp;
    let resetClock: TestClock;

    beforeAll(async () => {
      smtp = await TestSmtpServer.start();
      r = await startApp({ env: { SMTP_URL: smtp.url } });
    });
    afterAll(async () => {
      await r.close();
      await smtp.stop();
    });
    beforeEach(() => {
      resetClock = new TestClock(r);
    });

    it('of a verified account does not turn TOTP off: login still answers mfa_required', async () => {
      const user = await enableTotp(r, resetClock);
      // A never-verified account's reset removes the factor (issue 18; test/accounts/pending-links).
      await r.sql(`UPDATE users SET email_verified = true WHERE id = $1`, [user.user!.id]);
      expect((await r.http.post('/auth/password/forgot', { email: user.email })).status).toBe(202);
      const mails = await smtp.waitFor(user.email, 2); // verification, then reset
      const resets = mails.filter((mail) => /reset/i.test(mail.subject ?? ''));
      expect(resets).toHaveLength(1);
      const token = linkToken(resets[0], '/reset-password');
      const reset = await r.http.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD });
      expect(reset.status).toBe(204);

      await mfaToken(r, user.email, NEW_PASSWORD);
      expectProblem(await passwordLogin(r, user.email, PASSWORD), 401, 'invalid_credentials');
      const factor = await r.sql(`SELECT confirmed_at FROM totp_factors WHERE user_id = $1`, [
        user.user!.id,
      ]);
      expect(factor).toHaveLength(1);
      expect(factor[0].confirmed_at).not.toBeNull();
      const codes = await r.sql(
        `SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
        [user.user!.id],
      );
      expect(codes[0].n).toBe(10);
      const after = await loginWithCode(r, resetClock, { ...user, password: NEW_PASSWORD });
      expect(amrOf(after.accessToken)).toEqual(PWD_OTP);
    });
  });
});

describe('AUTH_ADMIN_REQUIRE_MFA', () => {
  /** An administrator made as the administration spec does: a user given the role by SQL. */
  async function makeAdmin(t: TestApp) {
    const registered = await registerUser(t.http, uniqueEmail('admin'));
    await t.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [registered.user!.id]);
    // A new login carries the role; its session passed the password only.
    const session: TokenResponse = await login(t.http, registered.email);
    return { ...registered, ...session };
  }

  describe('=true', () => {
    let t: TestApp;
    let clock: TestClock;
    beforeAll(async () => {
      t = await startApp({ env: { AUTH_ADMIN_REQUIRE_MFA: 'true' } });
    });
    afterAll(() => t.close());
    beforeEach(() => {
      clock = new TestClock(t);
    });
    afterEach(() => jest.restoreAllMocks());

    it('an admin with a password-only token gets 401 insufficient_user_authentication on admin routes, and 200 after a second-factor login', async () => {
      const admin = await makeAdmin(t);
      const target = await registerUser(t.http);
      const refused = await t.http.get('/users', { token: admin.accessToken });
      expectProblem(refused, 401, 'insufficient_user_authentication');
      expect(refused.headers.get('www-authenticate') ?? '').toContain(
        'insufficient_user_authentication',
      );
      expectProblem(
        await t.http.patch(
          `/users/${target.user!.id}`,
          { disabled: true },
          {
            token: admin.accessToken,
          },
        ),
        401,
        'insufficient_user_authentication',
      );
      // Nothing was changed by the refused call.
      expect((await t.http.get('/auth/me', { token: target.accessToken })).status).toBe(200);
      // Non-admin routes are not affected.
      expect((await t.http.get('/users/me', { token: admin.accessToken })).status).toBe(200);

      // Turn TOTP on from that session; the caller's token is still password-only.
      const { secret } = await startEnrolment(t, admin.accessToken);
      const confirmed = await t.http.post(
        '/auth/mfa/totp/confirm',
        { code: clock.code(secret) },
        { token: admin.accessToken },
      );
      expect(confirmed.status).toBe(200);
      clock.tick();
      expectProblem(
        await t.http.get('/users', { token: admin.accessToken }),
        401,
        'insufficient_user_authentication',
      );

      const verified = await loginWithCode(t, clock, {
        ...admin,
        secret,
        recoveryCodes: confirmed.body.recoveryCodes,
      });
      expect(amrOf(verified.accessToken)).toEqual(PWD_OTP);
      const listed = await t.http.get('/users', { token: verified.accessToken });
      expect(listed.status).toBe(200);
      expect(Array.isArray(listed.body)).toBe(true);
      // The caller's own session, refreshed after confirm, passes too.
      const refreshed = await rotate(t, admin.refreshToken);
      expect((await t.http.get('/users', { token: refreshed.accessToken })).status).toBe(200);
    });

    it('a plain user on an admin route is still 403 forbidden or 401, never 200', async () => {
      const user = await registerUser(t.http);
      const response = await t.http.get('/users', { token: user.accessToken });
      expectProblem(response, response.status, ['forbidden', 'insufficient_user_authentication']);
      expect([401, 403]).toContain(response.status);
    });
  });

  describe('unset (default false)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp();
    });
    afterAll(() => t.close());

    it('an admin with a password-only token gets 200 on GET /users', async () => {
      const admin = await makeAdmin(t);
      expect(amrOf(admin.accessToken)).toEqual(PWD);
      const response = await t.http.get('/users', { token: admin.accessToken });
      expect(response.status).toBe(200);
      expect(Array.isArray(response.body)).toBe(true);
    });
  });
});

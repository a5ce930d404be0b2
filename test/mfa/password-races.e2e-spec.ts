/**
 * Issue 18 #2: a login with the old password racing a password change, on an account with
 * TOTP, fired for real at several offsets: whatever the order, the old password's mfaToken
 * opens no session once the change (or a reset by mailed link) has committed. #6: a password-only login racing the
 * confirmation that turns TOTP on leaves no live password-only session behind.
 */
import { TotpSecondFactor } from '../../src/auth/mfa/totp-second-factor';
import { linkToken, TestSmtpServer } from '../support/smtp';
import { PASSWORD, registerUser, startApp, TestApp } from '../support/test-app';
import { confirm, enableTotp, loginMfa, passwordLogin, startEnrolment, TestClock } from './helpers';

const NEW_PASSWORD = 'a brand new passphrase 42';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('second factor: the password step racing a password change', () => {
  let t: TestApp;
  let clock: TestClock;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    // AUTH_MAIL_INTERVAL 0: one reset link per round, without waiting out the mail interval.
    t = await startApp({ env: { SMTP_URL: smtp.url, AUTH_MAIL_INTERVAL: '0' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });
  beforeEach(() => {
    clock = new TestClock(t);
  });
  afterEach(() => jest.restoreAllMocks());

  it('#2: an mfaToken got with the old password never opens a session after the change', async () => {
    const opened: number[] = [];
    for (const offset of [0, 20, 30, 35, 40, 45, 50, 55, 60, 65, 70, 80, 90, 100]) {
      const user = await enableTotp(t, clock);
      const [login, change] = await Promise.all([
        pause(offset).then(() => passwordLogin(t, user.email)),
        t.http.post(
          '/auth/password',
          { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
          { token: user.accessToken },
        ),
      ]);
      expect(change.status).toBe(204);
      if (login.status !== 401 || typeof login.body.mfaToken !== 'string') continue;
      const second = await loginMfa(t, {
        mfaToken: login.body.mfaToken,
        code: clock.code(user.secret),
      });
      clock.tick();
      if (second.status === 200) opened.push(offset);
    }
    expect(opened).toEqual([]);
  });

  it('#2: an mfaToken got with the old password never opens a session after a reset', async () => {
    const opened: number[] = [];
    // A reset hashes before it commits: the race sits in the first few milliseconds.
    for (const offset of [0, 2, 5, 8, 10, 15, 20, 40]) {
      const user = await enableTotp(t, clock);
      expect((await t.http.post('/auth/password/forgot', { email: user.email })).status).toBe(202);
      const mails = await smtp.waitFor(user.email, 2);
      const reset = mails.find((m) => /reset/i.test(m.subject ?? ''));
      const token = linkToken(reset!, '/reset-password');
      const [login, done] = await Promise.all([
        pause(offset).then(() => passwordLogin(t, user.email)),
        t.http.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD }),
      ]);
      expect(done.status).toBe(204);
      if (login.status !== 401 || typeof login.body.mfaToken !== 'string') continue;
      const second = await loginMfa(t, {
        mfaToken: login.body.mfaToken,
        code: clock.code(user.secret),
      });
      clock.tick();
      if (second.status === 200) opened.push(offset);
    }
    expect(opened).toEqual([]);
  });

  it('#6: a password-only session never survives TOTP being turned on', async () => {
    // A loaded database, widened for the test: the answer about the factor comes back 40 ms late.
    const factor = t.app.get(TotpSecondFactor);
    const isRequired = factor.isRequired.bind(factor);
    jest.spyOn(factor, 'isRequired').mockImplementation(async (...args) => {
      const answer = await isRequired(...args);
      await pause(40);
      return answer;
    });
    const survived: number[] = [];
    for (let offset = 0; offset <= 120; offset += 8) {
      const user = await registerUser(t.http);
      const { secret } = await startEnrolment(t, user.accessToken);
      const [login, confirmed] = await Promise.all([
        passwordLogin(t, user.email),
        pause(offset).then(() => confirm(t, user.accessToken, clock.code(secret))),
      ]);
      clock.tick();
      expect(confirmed.status).toBe(200);
      expect([200, 401]).toContain(login.status);
      const live = await t.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND amr = '{pwd}'`,
        [user.user!.id],
      );
      if (live[0].n > 0) survived.push(offset);
    }
    expect(survived).toEqual([]);
  });
});

/**
 * Issue 18 #3 and #5: an attempt that reached no verdict on the password gives back exactly
 * what its reservation changed (the owner's right password never re-locks the account), and
 * a password confirmed for a sensitive change does not clear wrong second-factor codes.
 */
import { expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { PASSWORD, startApp, TestApp } from '../support/test-app';
import { disableTotp, enableTotp, loginMfa, mfaToken, passwordLogin, TestClock } from './helpers';

const WRONG_PASSWORD = 'wrong password!';

describe('lockout: what a right password gives back (threshold 3)', () => {
  let t: TestApp;
  let clock: TestClock;

  beforeAll(async () => {
    t = await startApp({ env: { AUTH_LOCKOUT_THRESHOLD: '3' } });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock = new TestClock(t);
  });
  afterEach(() => jest.restoreAllMocks());

  /** Lets the email's lock run out without waiting for it. */
  const expireLock = (email: string) =>
    t.sql(`UPDATE login_attempts SET locked_until = now() - interval '1 second' WHERE email = $1`, [
      email,
    ]);

  const lockedUntilFuture = async (email: string): Promise<boolean> => {
    const rows = await t.sql<{ locked: boolean }>(
      `SELECT coalesce(locked_until > now(), false) AS locked FROM login_attempts WHERE email = $1`,
      [email],
    );
    return rows.length > 0 && rows[0].locked;
  };

  it('#3: once the lock has run out, the owner’s right password (mfa_required) does not lock the account again, and the second step succeeds', async () => {
    const user = await enableTotp(t, clock);
    for (let i = 0; i < 3; i++) {
      expectProblem(await passwordLogin(t, user.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    }
    expectProblem(await passwordLogin(t, user.email), 429, 'too_many_requests', [PASSWORD]);
    await expireLock(user.email);

    for (let round = 0; round < 3; round++) {
      const token = await mfaToken(t, user.email);
      expect(await lockedUntilFuture(user.email)).toBe(false);
      if (round < 2) continue;
      const response = await loginMfa(t, { mfaToken: token, code: clock.code(user.secret) });
      expect(response.status).toBe(200);
    }
  });

  it('#3: nor does the right password of a disabled account', async () => {
    const user = await enableTotp(t, clock);
    await t.sql(`UPDATE users SET disabled = true WHERE id = $1`, [user.user!.id]);
    for (let i = 0; i < 3; i++) {
      expectProblem(await passwordLogin(t, user.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    }
    await expireLock(user.email);
    for (let round = 0; round < 3; round++) {
      const response: HttpResponse = await passwordLogin(t, user.email);
      expectProblem(response, 403, 'account_disabled', [PASSWORD]);
      expect(await lockedUntilFuture(user.email)).toBe(false);
    }
  });

  it('#5: a confirmed password (POST /auth/email) does not clear wrong codes at DELETE /auth/mfa/totp', async () => {
    const user = await enableTotp(t, clock);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const email = await t.http.post(
        '/auth/email',
        { newEmail: user.email, currentPassword: PASSWORD },
        { token: user.accessToken },
      );
      statuses.push(email.status);
      const response = await disableTotp(t, user.accessToken, {
        code: clock.wrongCode(user.secret),
      });
      statuses.push(response.status);
    }
    // Three wrong codes lock the account; nothing in between gives them back.
    expect(statuses).toContain(429);
    expect(statuses.slice(0, 6)).toEqual([409, 401, 409, 401, 409, 401]);
    expect(statuses[7]).toBe(429);
  });
});

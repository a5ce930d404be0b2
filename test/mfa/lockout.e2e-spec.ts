/**
 * Wrong second-factor codes count toward the account lockout (AUTH_LOCKOUT_THRESHOLD), so
 * fresh mfaTokens buy no fresh guesses; a right password that ends in mfa_required neither
 * counts as a failure nor resets the count; a successful second step resets it.
 */
import { expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { eventually, PASSWORD, startApp, TestApp } from '../support/test-app';
import {
  disableTotp,
  eventTypes,
  enableTotp,
  loginMfa,
  mfaStatus,
  mfaToken,
  type MfaUser,
  passwordLogin,
  TestClock,
} from './helpers';

const WRONG_PASSWORD = 'wrong password!';

function expectLockedOut(response: HttpResponse): void {
  expectProblem(response, 429, 'too_many_requests', [PASSWORD]);
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(response.body).not.toHaveProperty('mfaToken');
}

describe('second factor and the lockout (threshold 3)', () => {
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

  const failedCount = async (email: string): Promise<number> => {
    const rows = await t.sql(`SELECT failed_count FROM login_attempts WHERE email = $1`, [email]);
    return rows.length === 0 ? 0 : rows[0].failed_count;
  };

  /** A right password, then a wrong code: 401 invalid_mfa_code. */
  async function failSecondStep(user: MfaUser): Promise<void> {
    const token = await mfaToken(t, user.email);
    expectProblem(
      await loginMfa(t, { mfaToken: token, code: clock.wrongCode(user.secret) }),
      401,
      'invalid_mfa_code',
    );
  }

  it('after 3 wrong codes on fresh mfaTokens, login is 429 with Retry-After even with the right password, and so is login/mfa', async () => {
    const user = await enableTotp(t, clock);
    await failSecondStep(user);
    await failSecondStep(user);
    expect(await failedCount(user.email)).toBe(2);
    // Still under the threshold: the password step answers, and its token is kept for later.
    const spare = await mfaToken(t, user.email);
    expect(await failedCount(user.email)).toBe(2);
    await failSecondStep(user);
    expect(await failedCount(user.email)).toBe(3);

    expectLockedOut(await passwordLogin(t, user.email));
    expectLockedOut(await passwordLogin(t, user.email, WRONG_PASSWORD));
    // A token got before the lock does not get past it, with the right code.
    expectLockedOut(await loginMfa(t, { mfaToken: spare, code: clock.code(user.secret) }));
    const sessions = await t.sql(
      `SELECT count(*)::int AS n FROM sessions
         WHERE user_id = $1 AND id <> $2 AND amr @> ARRAY['mfa']`,
      [user.user!.id, user.sessionId],
    );
    expect(sessions[0].n).toBe(0);
  });

  it('a right password that ends in mfa_required is no failure and no success: it neither counts nor resets', async () => {
    const user = await enableTotp(t, clock);
    for (let i = 0; i < 5; i++) await mfaToken(t, user.email);
    expect(await failedCount(user.email)).toBe(0);

    await failSecondStep(user);
    await failSecondStep(user);
    // Two more password steps: the count stays at 2 (a reset would bring it to 0).
    await mfaToken(t, user.email);
    await mfaToken(t, user.email);
    expect(await failedCount(user.email)).toBe(2);
    await failSecondStep(user);
    expectLockedOut(await passwordLogin(t, user.email));
  });

  it('a successful second step resets the count', async () => {
    const user = await enableTotp(t, clock);
    await failSecondStep(user);
    await failSecondStep(user);
    const ok = await loginMfa(t, {
      mfaToken: await mfaToken(t, user.email),
      code: clock.code(user.secret),
    });
    expect(ok.status).toBe(200);
    expect(await failedCount(user.email)).toBe(0);
    clock.tick();
    await failSecondStep(user);
    await failSecondStep(user);
    // 2 after the reset: not locked.
    await mfaToken(t, user.email);
  });

  it('wrong codes at DELETE /auth/mfa/totp count too: a stolen access token buys no unlimited guesses', async () => {
    const user = await enableTotp(t, clock);
    for (let i = 0; i < 3; i++) {
      expectProblem(
        await disableTotp(t, user.accessToken, { code: clock.wrongCode(user.secret) }),
        401,
        'invalid_mfa_code',
      );
    }
    // The third wrong code locked the account, and the audit trail says so, as at login.
    await eventually(async () =>
      (await eventTypes(t, user.accessToken)).includes('login.locked_out'),
    );
    const locked = await disableTotp(t, user.accessToken, { code: clock.code(user.secret) });
    expectLockedOut(locked);
    expectLockedOut(await passwordLogin(t, user.email));
    expect((await mfaStatus(t, user.accessToken)).body.totpEnabled).toBe(true);
  });

  it('wrong passwords and wrong codes count together', async () => {
    const user = await enableTotp(t, clock);
    for (let i = 0; i < 2; i++) {
      expectProblem(await passwordLogin(t, user.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    }
    await failSecondStep(user);
    expectLockedOut(await passwordLogin(t, user.email));
  });
});

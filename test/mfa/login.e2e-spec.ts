/**
 * Login with a second factor (API.md "Second factor (v1.1)"): the right password answers 401
 * mfa_required with an mfaToken and no session; POST /auth/login/mfa with a TOTP code answers
 * the token response; the mfaToken is single use, expires, and dies after 5 wrong codes; a
 * code is accepted one step either side and never twice (not even by two simultaneous
 * requests, and not the code that confirmed enrolment).
 */
import { expectTokenResponse } from '../auth/helpers';
import { expectProblem } from '../support/forge';
import { refreshCookie } from '../support/refresh-token';
import { login, PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';
import {
  amrOf,
  codeAt,
  disableTotp,
  enableTotp,
  loginMfa,
  mfaToken,
  passwordLogin,
  PWD_OTP,
  STEP_MS,
  TestClock,
} from './helpers';

const WRONG_PASSWORD = 'wrong password!';

/** A 6-digit code that is none of the given ones. */
const otherThan = (...codes: string[]) =>
  ['000000', '111111', '222222', '333333'].find((code) => !codes.includes(code))!;

describe('login with TOTP', () => {
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

  const sessionCount = async (userId: string) =>
    (await t.sql(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [userId]))[0].n;

  it('the right password answers 401 mfa_required with an mfaToken, problem+json, no cookie and no session', async () => {
    const user = await enableTotp(t, clock);
    const before = await sessionCount(user.user!.id);

    const response = await passwordLogin(t, user.email);
    expectProblem(response, 401, 'mfa_required', [PASSWORD]);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(typeof response.body.mfaToken).toBe('string');
    expect(response.body.mfaToken.length).toBeGreaterThanOrEqual(20);
    expect(response.body).not.toHaveProperty('accessToken');
    expect(response.body).not.toHaveProperty('refreshToken');
    expect(refreshCookie(response)).toBeUndefined();
    expect(await sessionCount(user.user!.id)).toBe(before);
    const challenges = await t.sql(
      `SELECT failures, used_at, extract(epoch FROM expires_at - now())::float8 AS ttl
       FROM mfa_challenges WHERE user_id = $1`,
      [user.user!.id],
    );
    expect(challenges).toHaveLength(1);
    expect(challenges[0]).toMatchObject({ failures: 0, used_at: null });
    expect(challenges[0].ttl).toBeGreaterThan(240);
    expect(challenges[0].ttl).toBeLessThanOrEqual(300);

    // Each password login has its own token.
    const second = await passwordLogin(t, user.email);
    expectProblem(second, 401, 'mfa_required');
    expect(second.body.mfaToken).not.toBe(response.body.mfaToken);
  });

  it('a wrong password is still 401 invalid_credentials, with no mfaToken', async () => {
    const user = await enableTotp(t, clock);
    const response = await passwordLogin(t, user.email, WRONG_PASSWORD);
    expectProblem(response, 401, 'invalid_credentials', [WRONG_PASSWORD, PASSWORD]);
    expect(response.body).not.toHaveProperty('mfaToken');
    const rows = await t.sql(`SELECT count(*)::int AS n FROM mfa_challenges WHERE user_id = $1`, [
      user.user!.id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('the right code answers 200 with a token response of amr ["pwd","otp","mfa"] and a refresh cookie; the mfaToken is single use', async () => {
    const user = await enableTotp(t, clock);
    const token = await mfaToken(t, user.email);
    const response = await loginMfa(t, { mfaToken: token, code: clock.code(user.secret) });
    expect(response.status).toBe(200);
    expectTokenResponse(response.body);
    expect(response.body).not.toHaveProperty('user');
    expect(amrOf(response.body.accessToken)).toEqual(PWD_OTP);
    expect(refreshCookie(response)?.value).toBe(response.body.refreshToken);
    const me = await t.http.get('/auth/me', { token: response.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: user.user!.id, amr: PWD_OTP });
    const session = await t.sql(`SELECT user_id, amr, revoked_at FROM sessions WHERE id = $1`, [
      response.body.sessionId,
    ]);
    expect(session).toEqual([{ user_id: user.user!.id, amr: PWD_OTP, revoked_at: null }]);
    // The challenge is spent (marked used, or gone).
    const challenges = await t.sql(`SELECT used_at FROM mfa_challenges WHERE user_id = $1`, [
      user.user!.id,
    ]);
    for (const row of challenges) expect(row.used_at).not.toBeNull();

    // The same mfaToken again, even with a fresh valid code: invalid_grant.
    clock.tick();
    expectProblem(
      await loginMfa(t, { mfaToken: token, code: clock.code(user.secret) }),
      401,
      'invalid_grant',
    );
  });

  it('an expired mfaToken answers invalid_grant', async () => {
    const user = await enableTotp(t, clock);
    const token = await mfaToken(t, user.email);
    await t.sql(
      `UPDATE mfa_challenges SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.user!.id],
    );
    expectProblem(
      await loginMfa(t, { mfaToken: token, code: clock.code(user.secret) }),
      401,
      'invalid_grant',
    );
    // The code was not spent: a new mfaToken takes it.
    const fresh = await mfaToken(t, user.email);
    expect((await loginMfa(t, { mfaToken: fresh, code: clock.code(user.secret) })).status).toBe(
      200,
    );
  });

  it('an unknown mfaToken answers invalid_grant', async () => {
    const user = await enableTotp(t, clock);
    const token = await mfaToken(t, user.email);
    const altered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expectProblem(
      await loginMfa(t, { mfaToken: altered, code: clock.code(user.secret) }),
      401,
      'invalid_grant',
    );
  });

  describe('the time window', () => {
    it('with the server at T, accepts the codes of T-30 s and T+30 s and refuses those of T-60 s and T+60 s', async () => {
      const user = await enableTotp(t, clock);
      clock.tick(4);
      const T = clock.now;
      const attempt = async (offsetSeconds: number) =>
        loginMfa(t, {
          mfaToken: await mfaToken(t, user.email),
          code: codeAt(user.secret, T + offsetSeconds * 1000),
        });
      const current = codeAt(user.secret, T);

      // Refusals first (each on its own mfaToken; a code equal to an accepted one by chance
      // would say nothing, so those are skipped).
      for (const offset of [-60, 60, -90, 90]) {
        const code = codeAt(user.secret, T + offset * 1000);
        if ([-30, 0, 30].some((near) => codeAt(user.secret, T + near * 1000) === code)) continue;
        const response = await loginMfa(t, { mfaToken: await mfaToken(t, user.email), code });
        expectProblem(response, 401, 'invalid_mfa_code');
      }
      // One step back is accepted...
      const back = await attempt(-30);
      expect(back.status).toBe(200);
      expect(amrOf(back.body.accessToken)).toEqual(PWD_OTP);
      // ...and, being a later step, so is one step ahead.
      const ahead = await attempt(30);
      expect(ahead.status).toBe(200);
      // The current step lies before the last accepted one now: refused.
      if (current !== codeAt(user.secret, T + 30_000)) {
        expectProblem(
          await loginMfa(t, { mfaToken: await mfaToken(t, user.email), code: current }),
          401,
          'invalid_mfa_code',
        );
      }
      const factor = await t.sql(`SELECT last_used_step FROM totp_factors WHERE user_id = $1`, [
        user.user!.id,
      ]);
      expect(Number(factor[0].last_used_step)).toBe(Math.floor((T + 30_000) / STEP_MS));
    });

    it('accepts the code of T-30 s on a fresh account, and of T+30 s on another', async () => {
      for (const offset of [-30_000, 30_000]) {
        const user = await enableTotp(t, clock);
        clock.tick(2);
        const response = await loginMfa(t, {
          mfaToken: await mfaToken(t, user.email),
          code: codeAt(user.secret, clock.now + offset),
        });
        expect({ offset, status: response.status }).toEqual({ offset, status: 200 });
      }
    });
  });

  describe('replay', () => {
    it('refuses the same code twice: the second login/mfa is invalid_mfa_code', async () => {
      const user = await enableTotp(t, clock);
      const code = clock.code(user.secret);
      const first = await loginMfa(t, { mfaToken: await mfaToken(t, user.email), code });
      expect(first.status).toBe(200);
      expectProblem(
        await loginMfa(t, { mfaToken: await mfaToken(t, user.email), code }),
        401,
        'invalid_mfa_code',
      );
      // The next step's code is accepted.
      clock.tick();
      const next = await loginMfa(t, {
        mfaToken: await mfaToken(t, user.email),
        code: clock.code(user.secret),
      });
      expect(next.status).toBe(200);
    });

    it('of two simultaneous requests with the same code, exactly one succeeds', async () => {
      for (let round = 0; round < 3; round++) {
        const user = await enableTotp(t, clock);
        const tokens = [await mfaToken(t, user.email), await mfaToken(t, user.email)];
        const code = clock.code(user.secret);
        const responses = await Promise.all(
          tokens.map((token) => loginMfa(t, { mfaToken: token, code })),
        );
        const statuses = responses.map((response) => response.status).sort();
        expect({ round, statuses }).toEqual({ round, statuses: [200, 401] });
        const loser = responses.find((response) => response.status === 401)!;
        expectProblem(loser, 401, 'invalid_mfa_code');
        const sessions = await t.sql(
          `SELECT count(*)::int AS n FROM sessions
         WHERE user_id = $1 AND id <> $2 AND amr @> ARRAY['otp']`,
          [user.user!.id, user.sessionId],
        );
        expect(sessions[0].n).toBe(1);
      }
    });

    it('refuses the code that confirmed the enrolment', async () => {
      const user = await enableTotp(t, clock);
      // enableTotp confirmed at the previous step; go back to it.
      clock.tick(-1);
      const confirmCode = clock.code(user.secret);
      expectProblem(
        await loginMfa(t, { mfaToken: await mfaToken(t, user.email), code: confirmCode }),
        401,
        'invalid_mfa_code',
      );
      clock.tick();
      expect(
        (
          await loginMfa(t, {
            mfaToken: await mfaToken(t, user.email),
            code: clock.code(user.secret),
          })
        ).status,
      ).toBe(200);
    });
  });

  describe('wrong codes', () => {
    it('five wrong codes void the mfaToken: the sixth attempt, with the right code, is invalid_grant; mfa_failed is recorded', async () => {
      const user = await enableTotp(t, clock);
      const token = await mfaToken(t, user.email);
      const right = clock.code(user.secret);
      const wrong = otherThan(right, codeAt(user.secret, clock.now - STEP_MS));
      for (let i = 0; i < 5; i++) {
        expectProblem(
          await loginMfa(t, { mfaToken: token, code: wrong }),
          401,
          'invalid_mfa_code',
          [token],
        );
      }
      const rows = await t.sql(`SELECT failures FROM mfa_challenges WHERE user_id = $1`, [
        user.user!.id,
      ]);
      // Counted on the challenge (or the challenge is gone).
      for (const row of rows) expect(row.failures).toBe(5);
      expectProblem(await loginMfa(t, { mfaToken: token, code: right }), 401, 'invalid_grant', [
        token,
      ]);
      // No session came of it.
      const sessions = await t.sql(
        `SELECT count(*)::int AS n FROM sessions
         WHERE user_id = $1 AND id <> $2 AND amr @> ARRAY['mfa']`,
        [user.user!.id, user.sessionId],
      );
      expect(sessions[0].n).toBe(0);

      const events = await t.http.get('/auth/events', { token: user.accessToken });
      expect(events.status).toBe(200);
      const failed = events.body.filter((event: { type: string }) => event.type === 'mfa_failed');
      expect(failed.length).toBeGreaterThanOrEqual(5);
      for (const event of failed) {
        expect(Object.keys(event).sort()).toEqual(
          ['at', 'detail', 'ip', 'sessionId', 'type', 'userAgent'].sort(),
        );
      }
      for (const secret of [token, user.secret, PASSWORD]) {
        expect(events.text).not.toContain(secret);
      }

      // The code itself was never spent: a fresh mfaToken with the right code logs in.
      const fresh = await loginMfa(t, { mfaToken: await mfaToken(t, user.email), code: right });
      expect(fresh.status).toBe(200);
    });
  });

  describe('between the two steps', () => {
    it('an account disabled by an administrator cannot finish: no session, 401 invalid_grant or 403 account_disabled', async () => {
      const registered = await registerUser(t.http, uniqueEmail('admin'));
      await t.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [registered.user!.id]);
      const admin = await login(t.http, registered.email);
      const user = await enableTotp(t, clock);
      const token = await mfaToken(t, user.email);
      const disabled = await t.http.patch(
        `/users/${user.user!.id}`,
        { disabled: true },
        { token: admin.accessToken },
      );
      expect(disabled.status).toBe(200);
      const response = await loginMfa(t, { mfaToken: token, code: clock.code(user.secret) });
      expect([401, 403]).toContain(response.status);
      expectProblem(
        response,
        response.status,
        response.status === 401 ? 'invalid_grant' : 'account_disabled',
      );
      const sessions = await t.sql(
        `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`,
        [user.user!.id],
      );
      expect(sessions[0].n).toBe(0);
    });

    it('a deleted account cannot finish (401 invalid_grant), and its factor, codes and challenges are gone', async () => {
      const user = await enableTotp(t, clock);
      const token = await mfaToken(t, user.email);
      const deleted = await t.http.delete('/users/me', {
        token: user.accessToken,
        body: { password: PASSWORD },
      });
      expect(deleted.status).toBe(204);
      expectProblem(
        await loginMfa(t, { mfaToken: token, code: clock.code(user.secret) }),
        401,
        'invalid_grant',
      );
      for (const table of ['totp_factors', 'recovery_codes', 'mfa_challenges', 'sessions']) {
        const rows = await t.sql(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [
          user.user!.id,
        ]);
        expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
      }
    });

    it('once TOTP is turned off, a pending mfaToken does not log in', async () => {
      const user = await enableTotp(t, clock);
      const token = await mfaToken(t, user.email);
      expect(
        (await disableTotp(t, user.accessToken, { code: clock.code(user.secret) })).status,
      ).toBe(204);
      clock.tick();
      for (const body of [
        { mfaToken: token, code: clock.code(user.secret) },
        { mfaToken: token, recoveryCode: user.recoveryCodes[0] },
      ]) {
        const response = await loginMfa(t, body);
        expectProblem(response, 401, ['invalid_grant', 'invalid_mfa_code']);
      }
      const sessions = await t.sql(
        `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND id <> $2`,
        [user.user!.id, user.sessionId],
      );
      expect(sessions[0].n).toBe(0);
    });
  });

  describe('audit events', () => {
    it('lists mfa_enabled, mfa_failed, recovery_code_used and mfa_disabled in GET /auth/events, without secrets', async () => {
      const user = await enableTotp(t, clock);
      const token = await mfaToken(t, user.email);
      const right = clock.code(user.secret);
      const wrong = otherThan(right, codeAt(user.secret, clock.now - STEP_MS));
      expectProblem(await loginMfa(t, { mfaToken: token, code: wrong }), 401, 'invalid_mfa_code');
      const recovered = await loginMfa(t, { mfaToken: token, recoveryCode: user.recoveryCodes[0] });
      expect(recovered.status).toBe(200);
      const off = await t.http.delete('/auth/mfa/totp', {
        token: recovered.body.accessToken,
        body: { code: right },
      });
      expect(off.status).toBe(204);

      const response = await t.http.get('/auth/events', { token: user.accessToken });
      expect(response.status).toBe(200);
      const types: string[] = response.body.map((event: { type: string }) => event.type);
      // Newest first: disabled, recovery code, failure, enabled.
      const order = ['mfa_disabled', 'recovery_code_used', 'mfa_failed', 'mfa_enabled'];
      const positions = order.map((type) => types.indexOf(type));
      expect(Object.fromEntries(order.map((type, i) => [type, positions[i] >= 0]))).toEqual(
        Object.fromEntries(order.map((type) => [type, true])),
      );
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      for (const event of response.body) {
        expect(Object.keys(event).sort()).toEqual(
          ['at', 'detail', 'ip', 'sessionId', 'type', 'userAgent'].sort(),
        );
      }
      const used = response.body.find(
        (event: { type: string }) => event.type === 'recovery_code_used',
      );
      expect(used.ip).toBe('127.0.0.1');
      for (const secret of [
        token,
        user.secret,
        ...user.recoveryCodes,
        ...user.recoveryCodes.map((code) => code.replace(/-/g, '')),
        recovered.body.accessToken,
        recovered.body.refreshToken,
      ]) {
        expect(response.text).not.toContain(secret);
      }
    });
  });
});

/**
 * Hostile input on every second-factor route: 4xx problem+json, never 5xx, and nothing
 * changes (a refused body spends no code and no mfaToken attempt).
 */
import { expectProblem } from '../support/forge';
import { registerUser, startApp, TestApp } from '../support/test-app';
import {
  confirm,
  disableTotp,
  enableTotp,
  loginMfa,
  loginWithCode,
  mfaStatus,
  mfaToken,
  type MfaUser,
  startEnrolment,
  TestClock,
} from './helpers';

const long = 'x'.repeat(10_000);

describe('second-factor routes: hostile input', () => {
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

  /** The challenge's failures: a refused body must not count as a wrong code. */
  const failures = async (user: MfaUser) =>
    (await t.sql(`SELECT failures FROM mfa_challenges WHERE user_id = $1`, [user.user!.id])).map(
      (row: { failures: number }) => row.failures,
    );

  describe('POST /auth/login/mfa', () => {
    it('answers 400 validation_failed to both or neither of code and recoveryCode, bad codes, wrong types and unknown fields', async () => {
      const user = await enableTotp(t, clock);
      const token = await mfaToken(t, user.email);
      const code = clock.code(user.secret);
      const recoveryCode = user.recoveryCodes[0];
      const bodies: unknown[] = [
        { mfaToken: token, code, recoveryCode },
        { mfaToken: token },
        { mfaToken: token, code: null },
        { mfaToken: token, code: '12345' },
        { mfaToken: token, code: '1234567' },
        { mfaToken: token, code: 'abcdef' },
        { mfaToken: token, code: ' 12345' },
        { mfaToken: token, code: '12 345' },
        { mfaToken: token, code: '１２３４５６' }, // full-width digits
        { mfaToken: token, code: Number(code) },
        { mfaToken: token, code: [code] },
        { mfaToken: token, code: { code } },
        { mfaToken: token, code: true },
        { mfaToken: token, code: long },
        { mfaToken: token, recoveryCode: 12345 },
        { mfaToken: token, recoveryCode: [recoveryCode] },
        { mfaToken: token, recoveryCode: long },
        { mfaToken: token, code, extra: 1 },
        { mfaToken: token, code, email: user.email },
        { mfaToken: 5, code },
        { mfaToken: [token], code },
        { mfaToken: { token }, code },
        'a string',
        [token, code],
        null,
      ];
      for (const body of bodies) {
        const response = await loginMfa(t, body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expectProblem(response, 400, 'validation_failed', [token, recoveryCode, user.secret]);
        expect(response.body).not.toHaveProperty('mfaToken');
      }
      // Nothing of that counted as a wrong code, nothing was spent: the right code still works.
      expect((await failures(user)).every((n) => n === 0)).toBe(true);
      const ok = await loginMfa(t, { mfaToken: token, code });
      expect(ok.status).toBe(200);
    });

    it('answers a missing, empty, garbage or huge mfaToken with 400 or 401 invalid_grant', async () => {
      const user = await enableTotp(t, clock);
      const code = clock.code(user.secret);
      for (const mfaToken of [
        undefined,
        '',
        'garbage',
        '../../etc/passwd',
        '\u0000'.repeat(40),
        long,
      ]) {
        const response = await loginMfa(t, { mfaToken, code });
        expect([400, 401]).toContain(response.status);
        expectProblem(
          response,
          response.status,
          response.status === 400 ? 'validation_failed' : 'invalid_grant',
        );
      }
      // The code was not spent by them.
      const ok = await loginMfa(t, { mfaToken: await mfaToken(t, user.email), code });
      expect(ok.status).toBe(200);
    });

    it('refuses bodies that are not JSON, and never answers 5xx', async () => {
      for (const [rawBody, type] of [
        ['{"mfaToken":', 'application/json'],
        ['mfaToken=a&code=123456', 'application/x-www-form-urlencoded'],
        ['', 'application/json'],
      ] as const) {
        const response = await t.http.request('POST', '/auth/login/mfa', {
          rawBody,
          headers: { 'content-type': type },
        });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expectProblem(response, response.status);
      }
      const huge = await loginMfa(t, { mfaToken: 'x'.repeat(20_000), code: '123456' });
      expectProblem(huge, huge.status, ['validation_failed', 'payload_too_large']);
      expect([400, 413]).toContain(huge.status);
    });
  });

  describe('POST /auth/mfa/totp/confirm', () => {
    it('answers 400 validation_failed to a non-digit, short, long or non-string code and to unknown fields', async () => {
      const user = await registerUser(t.http);
      const { secret } = await startEnrolment(t, user.accessToken);
      for (const code of [
        'abcdef',
        '12345',
        '1234567',
        ' 123456',
        '',
        long,
        123456,
        null,
        ['123456'],
        {},
      ]) {
        const response = await confirm(t, user.accessToken, code);
        expect({ code, status: response.status }).toEqual({ code, status: 400 });
        expectProblem(response, 400, 'validation_failed', [secret]);
      }
      const extra = await t.http.post(
        '/auth/mfa/totp/confirm',
        { code: clock.code(secret), enabled: true },
        { token: user.accessToken },
      );
      expectProblem(extra, 400, 'validation_failed');
      expectProblem(
        await t.http.post('/auth/mfa/totp/confirm', {}, { token: user.accessToken }),
        400,
        'validation_failed',
      );
      // Still pending, and the right code confirms.
      expect((await mfaStatus(t, user.accessToken)).body.totpEnabled).toBe(false);
      expect((await confirm(t, user.accessToken, clock.code(secret))).status).toBe(200);
    });
  });

  describe('POST /auth/mfa/totp', () => {
    it('answers 4xx to unknown fields (a client cannot choose its secret)', async () => {
      const user = await registerUser(t.http);
      for (const body of [{ secret: 'JBSWY3DPEHPK3PXP' }, { algorithm: 'SHA256', digits: 8 }]) {
        const response = await t.http.post('/auth/mfa/totp', body, { token: user.accessToken });
        if (response.status === 200) {
          // Ignored rather than refused: the server chose its own secret anyway.
          expect(response.body.secret).not.toBe('JBSWY3DPEHPK3PXP');
          expect(response.body.otpauthUrl).toContain('algorithm=SHA1');
          expect(response.body.otpauthUrl).toContain('digits=6');
        } else {
          expectProblem(response, 400, 'validation_failed');
        }
      }
    });
  });

  describe('DELETE /auth/mfa/totp', () => {
    it('answers 400 validation_failed to both or neither, bad codes and wrong types; TOTP stays on', async () => {
      const user = await enableTotp(t, clock);
      const code = clock.code(user.secret);
      const recoveryCode = user.recoveryCodes[0];
      for (const body of [
        { code, recoveryCode },
        {},
        { code: 'abcdef' },
        { code: '12345' },
        { code: Number(code) },
        { code: long },
        { recoveryCode: 7 },
        { recoveryCode: long },
        { code, extra: true },
      ]) {
        const response = await disableTotp(t, user.accessToken, body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expectProblem(response, 400, 'validation_failed', [recoveryCode, user.secret]);
      }
      const none = await t.http.delete('/auth/mfa/totp', { token: user.accessToken });
      expectProblem(none, 400, 'validation_failed');
      expect((await mfaStatus(t, user.accessToken)).body).toEqual({
        totpEnabled: true,
        recoveryCodesRemaining: 10,
      });
      expect((await disableTotp(t, user.accessToken, { code })).status).toBe(204);
    });
  });

  describe('POST /auth/mfa/recovery-codes', () => {
    it('answers a body with fields without 5xx: refused, or ignored (the set is always 10 codes)', async () => {
      const user = await enableTotp(t, clock);
      const verified = await loginWithCode(t, clock, user);
      for (const body of [{ count: 1000 }, { recoveryCodes: ['aaaaa-aaaaa'] }]) {
        const response = await t.http.post('/auth/mfa/recovery-codes', body, {
          token: verified.accessToken,
        });
        if (response.status === 200) {
          expect(response.body.recoveryCodes).toHaveLength(10);
          expect(response.body.recoveryCodes).not.toContain('aaaaa-aaaaa');
        } else {
          expectProblem(response, 400, 'validation_failed');
        }
      }
      expect((await mfaStatus(t, verified.accessToken)).body.recoveryCodesRemaining).toBe(10);
    });
  });
});

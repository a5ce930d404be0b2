/**
 * Recovery codes (API.md "Second factor (v1.1)"): each logs in once, with amr ["pwd","mfa"]
 * and a recovery_code_used event; typed in any case, with or without the hyphen; a new set
 * (a step-up route: it needs a token that passed the second factor) voids the old one;
 * GET /auth/mfa counts what is left.
 */
import { rotate } from '../auth/helpers';
import { expectProblem } from '../support/forge';
import { startApp, TestApp } from '../support/test-app';
import {
  amrOf,
  enableTotp,
  eventTypes,
  loginMfa,
  loginWithCode,
  loginWithRecoveryCode,
  lookalike,
  mfaStatus,
  mfaToken,
  newRecoveryCodes,
  PWD_RECOVERY,
  expectRecoveryCode,
  sloppy,
  TestClock,
  unusedRecoveryCodes,
} from './helpers';

describe('recovery codes', () => {
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

  const unused = (userId: string) => unusedRecoveryCodes(t, userId);

  it('each logs in once, with amr ["pwd","mfa"] and a recovery_code_used event; the same code again is invalid_mfa_code', async () => {
    const user = await enableTotp(t, clock);
    const token = await mfaToken(t, user.email);
    const response = await loginMfa(t, { mfaToken: token, recoveryCode: user.recoveryCodes[3] });
    expect(response.status).toBe(200);
    expect(amrOf(response.body.accessToken)).toEqual(PWD_RECOVERY);
    const me = await t.http.get('/auth/me', { token: response.body.accessToken });
    expect(me.body.amr).toEqual(PWD_RECOVERY);
    expect(await unused(user.user!.id)).toBe(9);
    expect(await eventTypes(t, response.body.accessToken)).toContain('recovery_code_used');

    for (const form of [user.recoveryCodes[3], sloppy(user.recoveryCodes[3])]) {
      expectProblem(
        await loginMfa(t, { mfaToken: await mfaToken(t, user.email), recoveryCode: form }),
        401,
        'invalid_mfa_code',
      );
    }
    // A made-up code of the right shape is wrong too.
    expectProblem(
      await loginMfa(t, {
        mfaToken: await mfaToken(t, user.email),
        recoveryCode: lookalike(user.recoveryCodes[3]),
      }),
      401,
      'invalid_mfa_code',
    );
    expect(await unused(user.user!.id)).toBe(9);
    // The others still work.
    await loginWithRecoveryCode(t, user.email, user.recoveryCodes[4]);
    expect(await unused(user.user!.id)).toBe(8);
  });

  it('accepts a code in upper case, without the hyphen, or both; GET /auth/mfa counts what is left', async () => {
    const user = await enableTotp(t, clock);
    const forms = [
      user.recoveryCodes[0].toUpperCase(),
      user.recoveryCodes[1].replace(/-/g, ''),
      sloppy(user.recoveryCodes[2]),
    ];
    for (const form of forms) {
      const response = await loginMfa(t, {
        mfaToken: await mfaToken(t, user.email),
        recoveryCode: form,
      });
      expect({ form, status: response.status }).toEqual({ form, status: 200 });
    }
    const status = await mfaStatus(t, user.accessToken);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ totpEnabled: true, recoveryCodesRemaining: 7 });
    expect(await unused(user.user!.id)).toBe(7);
  });

  it('of two simultaneous logins with one recovery code, exactly one succeeds', async () => {
    const user = await enableTotp(t, clock);
    const tokens = [await mfaToken(t, user.email), await mfaToken(t, user.email)];
    const responses = await Promise.all(
      tokens.map((token) => loginMfa(t, { mfaToken: token, recoveryCode: user.recoveryCodes[0] })),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([200, 401]);
    expectProblem(
      responses.find((r) => r.status === 401)!,
      401,
      'invalid_mfa_code',
    );
    expect(await unused(user.user!.id)).toBe(9);
  });

  it('a recovery-code login keeps amr ["pwd","mfa"] across refreshes', async () => {
    const user = await enableTotp(t, clock);
    const first = await loginWithRecoveryCode(t, user.email, user.recoveryCodes[0]);
    const second = await rotate(t, first.refreshToken);
    expect(amrOf(second.accessToken)).toEqual(PWD_RECOVERY);
    const third = await rotate(t, second.refreshToken);
    expect(amrOf(third.accessToken)).toEqual(PWD_RECOVERY);
    expect((await t.http.get('/auth/me', { token: third.accessToken })).body.amr).toEqual(
      PWD_RECOVERY,
    );
  });

  describe('a new set (POST /auth/mfa/recovery-codes)', () => {
    it('needs a token that passed the second factor: a password-only token is 401 insufficient_user_authentication', async () => {
      const user = await enableTotp(t, clock);
      // The registration's session passed only the password (its access token says so).
      const response = await newRecoveryCodes(t, user.accessToken);
      expectProblem(response, 401, 'insufficient_user_authentication');
      expect(await unused(user.user!.id)).toBe(10);
      // The old set still works.
      await loginWithRecoveryCode(t, user.email, user.recoveryCodes[0]);
    });

    it('with a TOTP-verified token: 10 new codes, and the old set stops working', async () => {
      const user = await enableTotp(t, clock);
      const verified = await loginWithCode(t, clock, user);
      const response = await newRecoveryCodes(t, verified.accessToken);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body)).toEqual(['recoveryCodes']);
      const fresh: string[] = response.body.recoveryCodes;
      expect(fresh).toHaveLength(10);
      expect(new Set(fresh).size).toBe(10);
      for (const code of fresh) {
        expectRecoveryCode(code);
        expect(user.recoveryCodes).not.toContain(code);
      }
      expect(await unused(user.user!.id)).toBe(10);
      expect((await mfaStatus(t, verified.accessToken)).body).toEqual({
        totpEnabled: true,
        recoveryCodesRemaining: 10,
      });

      for (const old of [user.recoveryCodes[0], user.recoveryCodes[9]]) {
        expectProblem(
          await loginMfa(t, { mfaToken: await mfaToken(t, user.email), recoveryCode: old }),
          401,
          'invalid_mfa_code',
        );
      }
      const withNew = await loginWithRecoveryCode(t, user.email, fresh[0]);
      expect(amrOf(withNew.accessToken)).toEqual(PWD_RECOVERY);
    });

    it('with a recovery-code-verified token too (amr has "mfa")', async () => {
      const user = await enableTotp(t, clock);
      const recovered = await loginWithRecoveryCode(t, user.email, user.recoveryCodes[0]);
      const response = await newRecoveryCodes(t, recovered.accessToken);
      expect(response.status).toBe(200);
      expect(response.body.recoveryCodes).toHaveLength(10);
      expect((await mfaStatus(t, recovered.accessToken)).body.recoveryCodesRemaining).toBe(10);
    });
  });
});

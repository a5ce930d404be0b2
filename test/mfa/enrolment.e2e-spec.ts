/**
 * TOTP enrolment (API.md "Second factor (v1.1)"): POST /auth/mfa/totp answers a 160-bit base32
 * secret and its otpauth URL, confirm turns TOTP on with the code and answers 10 recovery
 * codes, a second enrolment is 409, a new enrolment replaces a pending one; the secret is
 * encrypted at rest and no code or mfaToken is stored in the clear; turning TOTP on revokes
 * every other session of the user; DELETE /auth/mfa/totp turns it off again.
 */
import { Secret } from 'otpauth';
import { refresh, rotate } from '../auth/helpers';
import { expectProblem } from '../support/forge';
import { login, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';
import {
  amrOf,
  codeAt,
  confirm,
  disableTotp,
  enableTotp,
  eventTypes,
  loginWithCode,
  lookalike,
  mfaStatus,
  mfaToken,
  newRecoveryCodes,
  passwordLogin,
  PWD,
  PWD_OTP,
  expectRecoveryCode,
  startEnrolment,
  TestClock,
} from './helpers';

/** RFC 4648 base32, decoded by the library the tests compute codes with. */
const base32Bytes = (text: string) => Buffer.from(Secret.fromBase32(text).bytes);

describe('TOTP enrolment', () => {
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

  it('answers a 160-bit base32 secret and an otpauth URL for Latch, SHA1, 6 digits, 30 s and the email', async () => {
    const email = uniqueEmail('enrol+tag');
    const user = await registerUser(t.http, email);
    const response = await t.http.post('/auth/mfa/totp', {}, { token: user.accessToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(response.body).sort()).toEqual(['otpauthUrl', 'secret']);
    const { secret, otpauthUrl } = response.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Bytes(secret)).toHaveLength(20);

    const url = new URL(otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe(`/Latch:${email}`);
    // The email is encoded in the label (its "@" and "+" are not left raw).
    expect(url.pathname).toContain(encodeURIComponent(email));
    expect(Object.fromEntries(url.searchParams)).toEqual({
      issuer: 'Latch',
      secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });

    // Nothing is on yet.
    expect((await mfaStatus(t, user.accessToken)).body).toEqual({
      totpEnabled: false,
      recoveryCodesRemaining: 0,
    });
    expect((await passwordLogin(t, email)).status).toBe(200);
    // An empty body is as good as {}.
    const again = await t.http.post('/auth/mfa/totp', undefined, { token: user.accessToken });
    expect(again.status).toBe(200);
    expect(again.body.secret).not.toBe(secret);
  });

  it('confirm turns TOTP on and answers 10 distinct recovery codes; a second enrolment is 409 mfa_already_enabled', async () => {
    const user = await registerUser(t.http);
    const { secret } = await startEnrolment(t, user.accessToken);
    const response = await confirm(t, user.accessToken, clock.code(secret));
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['recoveryCodes']);
    const codes: string[] = response.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expectRecoveryCode(code);

    const factor = await t.sql(
      `SELECT confirmed_at, last_used_step FROM totp_factors WHERE user_id = $1`,
      [user.user!.id],
    );
    expect(factor).toHaveLength(1);
    expect(factor[0].confirmed_at).not.toBeNull();
    expect(Number(factor[0].last_used_step)).toBe(Math.floor(clock.now / 30_000));
    const stored = await t.sql(
      `SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [user.user!.id],
    );
    expect(stored[0].n).toBe(10);
    expect((await mfaStatus(t, user.accessToken)).body).toEqual({
      totpEnabled: true,
      recoveryCodesRemaining: 10,
    });

    clock.tick();
    expectProblem(
      await t.http.post('/auth/mfa/totp', {}, { token: user.accessToken }),
      409,
      'mfa_already_enabled',
    );
    expectProblem(
      await confirm(t, user.accessToken, clock.code(secret)),
      409,
      'mfa_already_enabled',
    );
    // The factor is untouched: the password alone no longer logs in.
    await mfaToken(t, user.email);
    expect(await eventTypes(t, user.accessToken)).toContain('mfa_enabled');
  });

  it('a new enrolment before confirm replaces the pending secret: the old code no longer confirms', async () => {
    const user = await registerUser(t.http);
    const first = await startEnrolment(t, user.accessToken);
    const second = await startEnrolment(t, user.accessToken);
    expect(second.secret).not.toBe(first.secret);
    const rows = await t.sql(`SELECT count(*)::int AS n FROM totp_factors WHERE user_id = $1`, [
      user.user!.id,
    ]);
    expect(rows[0].n).toBe(1);

    expectProblem(
      await confirm(t, user.accessToken, clock.code(first.secret)),
      401,
      'invalid_mfa_code',
    );
    expect((await mfaStatus(t, user.accessToken)).body.totpEnabled).toBe(false);
    const confirmed = await confirm(t, user.accessToken, clock.code(second.secret));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
  });

  it('confirm without an enrolment is 404 not_found; a wrong code is 401 invalid_mfa_code and an mfa_failed event', async () => {
    const user = await registerUser(t.http);
    expectProblem(await confirm(t, user.accessToken, '123456'), 404, 'not_found');

    const { secret } = await startEnrolment(t, user.accessToken);
    const right = clock.code(secret);
    const wrong = right === '000000' ? '000001' : '000000';
    expectProblem(await confirm(t, user.accessToken, wrong), 401, 'invalid_mfa_code');
    // Outside the window is wrong too.
    expectProblem(
      await confirm(t, user.accessToken, codeAt(secret, clock.now + 5 * 30_000)),
      401,
      'invalid_mfa_code',
    );
    const rows = await t.sql(`SELECT confirmed_at FROM totp_factors WHERE user_id = $1`, [
      user.user!.id,
    ]);
    expect(rows).toEqual([{ confirmed_at: null }]);
    expect((await passwordLogin(t, user.email)).status).toBe(200);
    expect(await eventTypes(t, user.accessToken)).toContain('mfa_failed');
    // The pending enrolment still confirms with the right code.
    expect((await confirm(t, user.accessToken, right)).status).toBe(200);
  });

  it('needs an access token on every route', async () => {
    expectProblem(await t.http.get('/auth/mfa'), 401, 'missing_token');
    expectProblem(await t.http.post('/auth/mfa/totp', {}), 401, 'missing_token');
    expectProblem(
      await t.http.post('/auth/mfa/totp/confirm', { code: '123456' }),
      401,
      'missing_token',
    );
    expectProblem(await t.http.post('/auth/mfa/recovery-codes', {}), 401, 'missing_token');
    expectProblem(
      await t.http.delete('/auth/mfa/totp', { body: { code: '123456' } }),
      401,
      'missing_token',
    );
  });

  describe('at rest', () => {
    it('keeps the secret encrypted and no recovery code or mfaToken in the clear', async () => {
      const user = await enableTotp(t, clock);
      const bytes = base32Bytes(user.secret);
      const factor = await t.sql<{ secret_ciphertext: Buffer; key_id: string }>(
        `SELECT secret_ciphertext, key_id FROM totp_factors WHERE user_id = $1`,
        [user.user!.id],
      );
      expect(factor).toHaveLength(1);
      const ciphertext = factor[0].secret_ciphertext;
      expect(Buffer.isBuffer(ciphertext)).toBe(true);
      expect(ciphertext.length).toBeGreaterThanOrEqual(20);
      // Neither the raw 20 bytes, nor the base32 text (any case), nor its hex, anywhere.
      for (const needle of [
        bytes,
        Buffer.from(user.secret),
        Buffer.from(user.secret.toLowerCase()),
        Buffer.from(bytes.toString('hex')),
        bytes.subarray(0, 8),
      ]) {
        expect(ciphertext.includes(needle)).toBe(false);
      }
      const inSql = await t.sql(
        `SELECT count(*)::int AS n FROM totp_factors
         WHERE position($1::bytea IN secret_ciphertext) > 0
            OR position(convert_to($2, 'UTF8') IN secret_ciphertext) > 0
            OR row_to_json(totp_factors)::text ILIKE '%' || $2 || '%'`,
        [bytes, user.secret],
      );
      expect(inSql[0].n).toBe(0);
      expect(factor[0].key_id).not.toContain(user.secret);

      // Recovery codes: only hashes; no form of a code in any column.
      const recovery = await t.sql<{ code_hash: Buffer; json: string }>(
        `SELECT code_hash, row_to_json(r)::text AS json FROM recovery_codes r WHERE user_id = $1`,
        [user.user!.id],
      );
      expect(recovery).toHaveLength(10);
      for (const code of user.recoveryCodes) {
        for (const form of [code, code.replace(/-/g, ''), code.toUpperCase()]) {
          for (const row of recovery) {
            expect(row.code_hash.includes(Buffer.from(form))).toBe(false);
            expect(row.json.toLowerCase()).not.toContain(form.toLowerCase());
          }
        }
      }

      // The mfaToken: stored as a hash only.
      const token = await mfaToken(t, user.email);
      const challenges = await t.sql<{ token_hash: Buffer; json: string }>(
        `SELECT token_hash, row_to_json(c)::text AS json FROM mfa_challenges c WHERE user_id = $1`,
        [user.user!.id],
      );
      expect(challenges).toHaveLength(1);
      expect(challenges[0].token_hash.includes(Buffer.from(token))).toBe(false);
      expect(challenges[0].json).not.toContain(token);
      const decoded = Buffer.from(token, 'base64url');
      if (decoded.length >= 16) expect(challenges[0].token_hash.includes(decoded)).toBe(false);
    });
  });

  describe('turning TOTP on', () => {
    it("revokes every other session of the user and keeps the caller's; the caller's next refresh carries the second factor", async () => {
      const user = await registerUser(t.http);
      const others = [await login(t.http, user.email), await login(t.http, user.email)];
      const stranger = await registerUser(t.http);
      const { secret } = await startEnrolment(t, user.accessToken);
      // Enrolment alone changes nothing.
      for (const other of others) {
        expect((await t.http.get('/auth/me', { token: other.accessToken })).status).toBe(200);
      }
      expect((await confirm(t, user.accessToken, clock.code(secret))).status).toBe(200);

      for (const other of others) {
        expectProblem(
          await t.http.get('/auth/me', { token: other.accessToken }),
          401,
          'session_revoked',
        );
        expectProblem(await refresh(t, other.refreshToken), 401, 'invalid_grant');
        const rows = await t.sql(`SELECT revoked_at, revoke_reason FROM sessions WHERE id = $1`, [
          other.sessionId,
        ]);
        expect(rows[0].revoked_at).not.toBeNull();
        expect(rows[0].revoke_reason).toBe('mfa_enabled');
      }
      // The caller's session goes on: its access token still says password only...
      const me = await t.http.get('/auth/me', { token: user.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.amr).toEqual(PWD);
      expect(amrOf(user.accessToken)).toEqual(PWD);
      // ...and its next refresh says second factor.
      const next = await rotate(t, user.refreshToken);
      expect(next.sessionId).toBe(user.sessionId);
      expect(amrOf(next.accessToken)).toEqual(PWD_OTP);
      const rows = await t.sql(`SELECT revoked_at, amr FROM sessions WHERE id = $1`, [
        user.sessionId,
      ]);
      expect(rows[0].revoked_at).toBeNull();
      expect(rows[0].amr).toEqual(PWD_OTP);
      expect((await t.http.get('/auth/me', { token: next.accessToken })).body.amr).toEqual(PWD_OTP);
      // Someone else's session is not touched.
      expect((await t.http.get('/auth/me', { token: stranger.accessToken })).status).toBe(200);
    });
  });

  describe('turning TOTP off', () => {
    it('refuses a wrong code; with the right code it is off: login needs no second step, the recovery codes are gone, a second DELETE is 404', async () => {
      const user = await enableTotp(t, clock);
      const right = clock.code(user.secret);
      const wrong = right === '000000' ? '000001' : '000000';
      expectProblem(
        await disableTotp(t, user.accessToken, { code: wrong }),
        401,
        'invalid_mfa_code',
      );
      expectProblem(
        await disableTotp(t, user.accessToken, { recoveryCode: lookalike(user.recoveryCodes[0]) }),
        401,
        'invalid_mfa_code',
      );
      expect((await mfaStatus(t, user.accessToken)).body.totpEnabled).toBe(true);

      const off = await disableTotp(t, user.accessToken, { code: right });
      expect(off.status).toBe(204);
      expect(off.text).toBe('');

      const loggedIn = await passwordLogin(t, user.email);
      expect(loggedIn.status).toBe(200);
      expect(amrOf(loggedIn.body.accessToken)).toEqual(PWD);
      for (const table of ['totp_factors', 'recovery_codes']) {
        const rows = await t.sql(
          `SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1${
            table === 'recovery_codes' ? ' AND used_at IS NULL' : ' AND confirmed_at IS NOT NULL'
          }`,
          [user.user!.id],
        );
        expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
      }
      expect((await mfaStatus(t, user.accessToken)).body).toEqual({
        totpEnabled: false,
        recoveryCodesRemaining: 0,
      });
      clock.tick();
      expectProblem(
        await disableTotp(t, user.accessToken, { code: clock.code(user.secret) }),
        404,
        'not_found',
      );
      expect(await eventTypes(t, user.accessToken)).toContain('mfa_disabled');
    });

    it('accepts a recovery code, and the remaining recovery codes stop working', async () => {
      const user = await enableTotp(t, clock);
      // A session that passed the second factor, for the 404 of recovery-codes afterwards.
      const verified = await loginWithCode(t, clock, user);
      expect(
        (await disableTotp(t, user.accessToken, { recoveryCode: user.recoveryCodes[0] })).status,
      ).toBe(204);
      expect((await passwordLogin(t, user.email)).status).toBe(200);
      expectProblem(
        await disableTotp(t, user.accessToken, { recoveryCode: user.recoveryCodes[1] }),
        404,
        'not_found',
      );
      expectProblem(await newRecoveryCodes(t, verified.accessToken), 404, 'not_found');

      // Turning it on again gives a new secret and a new set; the old codes stay dead.
      const again = await enableTotp(t, clock, user);
      expect(again.secret).not.toBe(user.secret);
      const token = await mfaToken(t, user.email);
      expectProblem(
        await t.http.post('/auth/login/mfa', {
          mfaToken: token,
          recoveryCode: user.recoveryCodes[1],
        }),
        401,
        'invalid_mfa_code',
      );
      expect(
        (
          await t.http.post('/auth/login/mfa', {
            mfaToken: token,
            recoveryCode: again.recoveryCodes[1],
          })
        ).status,
      ).toBe(200);
    });

    it('refuses a code already accepted: the one that confirmed, or one that logged in', async () => {
      const user = await enableTotp(t, clock);
      const confirmCode = codeAt(user.secret, clock.now - 30_000);
      expectProblem(
        await disableTotp(t, user.accessToken, { code: confirmCode }),
        401,
        'invalid_mfa_code',
      );
      const loginCode = clock.code(user.secret);
      await loginWithCode(t, clock, user);
      if (loginCode !== clock.code(user.secret)) {
        clock.tick(-1);
        expectProblem(
          await disableTotp(t, user.accessToken, { code: loginCode }),
          401,
          'invalid_mfa_code',
        );
        clock.tick();
      }
      expect((await mfaStatus(t, user.accessToken)).body.totpEnabled).toBe(true);
      expect(
        (await disableTotp(t, user.accessToken, { code: clock.code(user.secret) })).status,
      ).toBe(204);
    });

    it('when TOTP was never on, DELETE is 404 not_found', async () => {
      const user = await registerUser(t.http);
      expectProblem(await disableTotp(t, user.accessToken, { code: '123456' }), 404, 'not_found');
      // A pending enrolment is not "on" either.
      await startEnrolment(t, user.accessToken);
      expectProblem(await disableTotp(t, user.accessToken, { code: '123456' }), 404, 'not_found');
    });
  });
});

/**
 * A passkey answers the login's second step (POST /auth/login/mfa/passkey): `mfa_required`
 * lists it in `factors`, the options allow only that account's passkeys, the session's amr is
 * ["pwd", "hwk", "mfa"], and a failure counts like a wrong code (on the mfaToken and on the
 * account's lockout).
 */
import { expectProblem } from '../support/forge';
import { eventually, registerUser, startApp, type TestApp } from '../support/test-app';
import { amrOf, enableTotp, mfaToken, passwordLogin, TestClock } from '../mfa/helpers';
import { addPasskey, AMR_PASSWORD_PASSKEY, loginOptions } from './helpers';
import { SoftAuthenticator } from './soft-authenticator';

describe('passkey as the second step', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { AUTH_LOCKOUT_THRESHOLD: '8' } });
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  async function totpUserWithPasskey() {
    const clock = new TestClock(t);
    const user = await enableTotp(t, clock);
    const authenticator = new SoftAuthenticator();
    const passkey = await addPasskey(t, user.accessToken, authenticator);
    return { user, authenticator, passkey, clock };
  }

  const answer = (token: string, response: unknown) =>
    t.http.post('/auth/login/mfa/passkey', { mfaToken: token, response });

  it('lists the factors in mfa_required: passkey only for an account that has one', async () => {
    const clock = new TestClock(t);
    const plain = await enableTotp(t, clock);
    const first = await passwordLogin(t, plain.email);
    expectProblem(first, 401, 'mfa_required');
    expect(first.body.factors).toEqual(['totp', 'recovery_code']);

    const { user } = await totpUserWithPasskey();
    const second = await passwordLogin(t, user.email);
    expectProblem(second, 401, 'mfa_required');
    expect(second.body.factors).toEqual(['totp', 'recovery_code', 'passkey']);
  });

  it('never asks a second step of an account whose only extra credential is a passkey', async () => {
    const user = await registerUser(t.http);
    await addPasskey(t, user.accessToken, new SoftAuthenticator());
    expect((await passwordLogin(t, user.email)).status).toBe(200);
  });

  it('finishes the login with amr ["pwd", "hwk", "mfa"] and spends the mfaToken', async () => {
    const { user, authenticator, passkey } = await totpUserWithPasskey();
    const token = await mfaToken(t, user.email);
    const options = await loginOptions(t, { mfaToken: token });
    expect(options.allowCredentials).toEqual([
      { id: authenticator.lastId, type: 'public-key', transports: ['internal', 'hybrid'] },
    ]);
    expect(options.userVerification).toBe('required');
    const done = await answer(token, authenticator.get(options));
    expect(done.status).toBe(200);
    expect(amrOf(done.body.accessToken)).toEqual(AMR_PASSWORD_PASSKEY);
    const [row] = await t.sql(`SELECT last_used_at FROM passkeys WHERE id = $1`, [passkey.id]);
    expect(row.last_used_at).not.toBeNull();
    // Used: neither a passkey nor a code finishes it again.
    const again = await answer(token, authenticator.get(await loginOptions(t)));
    expectProblem(again, 401, 'invalid_grant');
    expectProblem(
      await t.http.post('/auth/passkeys/login/options', { mfaToken: token }),
      401,
      'invalid_grant',
    );
  });

  it("refuses another account's passkey, and counts it like a wrong code", async () => {
    const { user } = await totpUserWithPasskey();
    const other = await totpUserWithPasskey();
    const token = await mfaToken(t, user.email);
    const options = await loginOptions(t, { mfaToken: token });
    const wrong = await answer(token, other.authenticator.get(options));
    expectProblem(wrong, 401, 'invalid_passkey');
    const [challenge] = await t.sql(
      `SELECT failures FROM mfa_challenges WHERE user_id = $1 AND used_at IS NULL`,
      [user.user!.id],
    );
    expect(challenge.failures).toBe(1);
    const [attempts] = await t.sql(
      `SELECT failed_count AS failures FROM login_attempts WHERE email = $1`,
      [user.email],
    );
    expect(attempts.failures).toBe(1);
    await eventually(async () => {
      const rows = await t.sql(
        `SELECT detail FROM auth_events WHERE user_id = $1 AND type = 'mfa_failed'`,
        [user.user!.id],
      );
      return rows.some((row) => row.detail.factor === 'passkey');
    });
  });

  it('voids the mfaToken after five failures, passkey or code', async () => {
    const { user, authenticator } = await totpUserWithPasskey();
    const token = await mfaToken(t, user.email);
    for (let i = 0; i < 5; i++) {
      const options = await loginOptions(t, { mfaToken: token });
      expectProblem(
        await answer(token, authenticator.get(options, { badSignature: true })),
        401,
        'invalid_passkey',
      );
    }
    expectProblem(
      await t.http.post('/auth/passkeys/login/options', { mfaToken: token }),
      401,
      'invalid_grant',
    );
    const options = await loginOptions(t);
    expectProblem(await answer(token, authenticator.get(options)), 401, 'invalid_grant');
  });

  it("refuses a discoverable sign-in's challenge, and another mfaToken's", async () => {
    const { user, authenticator } = await totpUserWithPasskey();
    const token = await mfaToken(t, user.email);
    const otherToken = await mfaToken(t, user.email);
    const unbound = await loginOptions(t);
    expectProblem(await answer(token, authenticator.get(unbound)), 401, 'invalid_passkey');
    const otherOptions = await loginOptions(t, { mfaToken: otherToken });
    expectProblem(await answer(token, authenticator.get(otherOptions)), 401, 'invalid_passkey');
    // The other mfaToken's ceremony is untouched.
    expect((await answer(otherToken, authenticator.get(otherOptions))).status).toBe(200);
  });

  it('spends the challenge of a failed answer: the same options do not work twice', async () => {
    const { user, authenticator } = await totpUserWithPasskey();
    const token = await mfaToken(t, user.email);
    const options = await loginOptions(t, { mfaToken: token });
    expectProblem(
      await answer(token, authenticator.get(options, { origin: 'https://evil.example' })),
      401,
      'invalid_passkey',
    );
    expectProblem(await answer(token, authenticator.get(options)), 401, 'invalid_passkey');
    const fresh = await loginOptions(t, { mfaToken: token });
    expect((await answer(token, authenticator.get(fresh))).status).toBe(200);
  });

  it('answers 401 invalid_grant for an mfaToken that is not one', async () => {
    expectProblem(
      await t.http.post('/auth/passkeys/login/options', { mfaToken: 'a'.repeat(43) }),
      401,
      'invalid_grant',
    );
    const { authenticator } = await totpUserWithPasskey();
    const options = await loginOptions(t);
    expectProblem(await answer('b'.repeat(43), authenticator.get(options)), 401, 'invalid_grant');
  });
});

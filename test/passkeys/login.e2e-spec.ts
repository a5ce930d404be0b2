/**
 * Sign-in with a discoverable passkey (docs/api.md, "Passkeys"): the session it opens (amr
 * ["hwk", "mfa"], no second step even with TOTP on), every tampered field refused with 401
 * invalid_passkey, single-use challenges, the signature counter, and which account states
 * refuse it. The password lockout does not.
 */
import { expectProblem } from '../support/forge';
import { eventually, PASSWORD, registerUser, startApp, type TestApp } from '../support/test-app';
import { amrOf, enableTotp, eventTypes, TestClock } from '../mfa/helpers';
import {
  addPasskey,
  AMR_PASSKEY,
  loginOptions,
  passkeyLogin,
  registrationOptions,
} from './helpers';
import { FLAGS, SoftAuthenticator } from './soft-authenticator';

describe('passkey sign-in', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { AUTH_LOCKOUT_THRESHOLD: '3' } });
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  async function userWithPasskey() {
    const user = await registerUser(t.http);
    const authenticator = new SoftAuthenticator();
    const passkey = await addPasskey(t, user.accessToken, authenticator);
    return { user, authenticator, passkey };
  }

  it('answers request options for a discoverable credential', async () => {
    const options = await loginOptions(t);
    expect(Buffer.from(options.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(options.allowCredentials ?? []).toEqual([]);
    const [row] = await t.sql(
      `SELECT purpose, user_id FROM passkey_challenges WHERE challenge_hash =
         sha256(convert_to($1, 'UTF8'))`,
      [options.challenge],
    );
    expect(row).toEqual({ purpose: 'login', user_id: null });
  });

  it('opens a session with amr ["hwk", "mfa"] and records the use', async () => {
    const { user, authenticator, passkey } = await userWithPasskey();
    const response = await passkeyLogin(t, authenticator);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ tokenType: 'Bearer', sessionId: expect.any(String) });
    expect(amrOf(response.body.accessToken)).toEqual(AMR_PASSKEY);
    const me = await t.http.get('/auth/me', { token: response.body.accessToken });
    expect(me.body).toMatchObject({ userId: user.user!.id, amr: AMR_PASSKEY });
    // The session keeps its amr across a refresh.
    const refreshed = await t.http.post('/auth/refresh', {
      refreshToken: response.body.refreshToken,
    });
    expect(amrOf(refreshed.body.accessToken)).toEqual(AMR_PASSKEY);

    const [row] = await t.sql(
      `SELECT counter::int AS counter, last_used_at FROM passkeys WHERE id = $1`,
      [passkey.id],
    );
    expect(row.counter).toBe(1);
    expect(row.last_used_at).not.toBeNull();
    await eventually(async () => (await eventTypes(t, user.accessToken)).includes('passkey_login'));
    const passkeyLogins = () =>
      t.sql(
        `SELECT detail FROM auth_events WHERE user_id = $1 AND type = 'login.succeeded'
           AND detail->>'method' = 'passkey'`,
        [user.user!.id],
      );
    await eventually(async () => (await passkeyLogins()).length === 1);
  });

  it('is not asked for the TOTP code of an account with TOTP on', async () => {
    const clock = new TestClock(t);
    const user = await enableTotp(t, clock);
    const authenticator = new SoftAuthenticator();
    await addPasskey(t, user.accessToken, authenticator);
    const response = await passkeyLogin(t, authenticator);
    expect(response.status).toBe(200);
    expect(amrOf(response.body.accessToken)).toEqual(AMR_PASSKEY);
    // A route that needs a second factor accepts it.
    const codes = await t.http.post(
      '/auth/mfa/recovery-codes',
      {},
      { token: response.body.accessToken },
    );
    expect(codes.status).toBe(200);
  });

  describe('refuses a tampered response with 401 invalid_passkey', () => {
    const cases: [string, Parameters<SoftAuthenticator['get']>[1]][] = [
      ['an origin not in WEBAUTHN_ORIGINS', { origin: 'https://evil.example' }],
      ['the rpId hash of another relying party', { rpId: 'evil.example' }],
      ['type webauthn.create', { type: 'webauthn.create' }],
      ['no user presence', { flags: FLAGS.UV }],
      ['no user verification', { flags: FLAGS.UP }],
      ['a bad signature', { badSignature: true }],
    ];
    it.each(cases)('%s, and spends the challenge', async (_name, tamper) => {
      const { authenticator } = await userWithPasskey();
      const options = await loginOptions(t);
      const tampered = await t.http.post('/auth/passkeys/login', {
        response: authenticator.get(options, tamper),
      });
      expectProblem(tampered, 401, 'invalid_passkey');
      const retry = await t.http.post('/auth/passkeys/login', {
        response: authenticator.get(options),
      });
      expectProblem(retry, 401, 'invalid_passkey');
    });

    it('a challenge never issued', async () => {
      const { authenticator } = await userWithPasskey();
      const options = await loginOptions(t);
      const response = await t.http.post('/auth/passkeys/login', {
        response: authenticator.get(options, {
          challenge: Buffer.alloc(32, 9).toString('base64url'),
        }),
      });
      expectProblem(response, 401, 'invalid_passkey');
    });

    it("a signature by another credential's key", async () => {
      const { authenticator } = await userWithPasskey();
      const other = await userWithPasskey();
      authenticator.credentials.set(other.authenticator.lastId, {
        ...other.authenticator.credentials.get(other.authenticator.lastId)!,
      });
      const mine = [...authenticator.credentials.keys()][0];
      const response = await passkeyLogin(t, authenticator, {
        credential: mine,
        signWith: other.authenticator.lastId,
      });
      expectProblem(response, 401, 'invalid_passkey');
    });

    it("another account's user handle", async () => {
      const { authenticator } = await userWithPasskey();
      const other = await userWithPasskey();
      const otherHandle = [...other.authenticator.credentials.values()][0].userHandle;
      expectProblem(
        await passkeyLogin(t, authenticator, { userHandle: otherHandle }),
        401,
        'invalid_passkey',
      );
    });

    it('a credential that is not (or no longer) registered', async () => {
      const { user, authenticator, passkey } = await userWithPasskey();
      const stranger = new SoftAuthenticator();
      stranger.create({ challenge: 'unused', user: { id: 'AAAA' }, rp: { id: 'localhost' } });
      expectProblem(await passkeyLogin(t, stranger), 401, 'invalid_passkey');
      await t.http.delete(`/auth/passkeys/${passkey.id}`, { token: user.accessToken });
      expectProblem(await passkeyLogin(t, authenticator), 401, 'invalid_passkey');
    });
  });

  it('refuses a challenge used twice, and a registration challenge', async () => {
    const { user, authenticator } = await userWithPasskey();
    const options = await loginOptions(t);
    const response = authenticator.get(options);
    expect((await t.http.post('/auth/passkeys/login', { response })).status).toBe(200);
    const replay = await t.http.post('/auth/passkeys/login', {
      response: authenticator.get(options),
    });
    expectProblem(replay, 401, 'invalid_passkey');
    // A challenge issued for a registration is no sign-in challenge.
    const creation = await registrationOptions(t, user.accessToken);
    const misused = await t.http.post('/auth/passkeys/login', {
      response: authenticator.get({ challenge: creation.challenge, rpId: 'localhost' }),
    });
    expectProblem(misused, 401, 'invalid_passkey');
  });

  it('opens one session when one response is sent twice at once', async () => {
    const { authenticator } = await userWithPasskey();
    const response = authenticator.get(await loginOptions(t));
    const answers = await Promise.all(
      [1, 2, 3].map(() => t.http.post('/auth/passkeys/login', { response })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401]);
  });

  it('refuses a counter that does not grow, and records passkey_clone_suspected', async () => {
    const { user, authenticator, passkey } = await userWithPasskey();
    expect((await passkeyLogin(t, authenticator, { counter: 5 })).status).toBe(200);
    expectProblem(await passkeyLogin(t, authenticator, { counter: 5 }), 401, 'invalid_passkey');
    expectProblem(await passkeyLogin(t, authenticator, { counter: 3 }), 401, 'invalid_passkey');
    expectProblem(await passkeyLogin(t, authenticator, { counter: 0 }), 401, 'invalid_passkey');
    const clonesOf = () =>
      t.sql(
        `SELECT detail FROM auth_events WHERE user_id = $1 AND type = 'passkey_clone_suspected'
         ORDER BY at`,
        [user.user!.id],
      );
    // The audit log writes on its own, after the answer.
    await eventually(async () => (await clonesOf()).length === 3);
    const clones = await clonesOf();
    expect(clones[0].detail).toMatchObject({
      passkeyId: passkey.id,
      storedCounter: 5,
      receivedCounter: 5,
    });
    // The stored counter did not move; a greater one is accepted.
    expect((await passkeyLogin(t, authenticator, { counter: 6 })).status).toBe(200);
  });

  it('accepts an authenticator that keeps no counter (zero both times)', async () => {
    const { authenticator } = await userWithPasskey();
    expect((await passkeyLogin(t, authenticator, { counter: 0 })).status).toBe(200);
    expect((await passkeyLogin(t, authenticator, { counter: 0 })).status).toBe(200);
  });

  it('refuses a disabled account with 403 account_disabled', async () => {
    const { user, authenticator } = await userWithPasskey();
    await t.sql(`UPDATE users SET disabled = true WHERE id = $1`, [user.user!.id]);
    expectProblem(await passkeyLogin(t, authenticator), 403, 'account_disabled');
  });

  it('signs in while the password is locked out', async () => {
    const { user, authenticator } = await userWithPasskey();
    for (let i = 0; i < 3; i++) {
      await t.http.post('/auth/login', { email: user.email, password: 'wrong password!' });
    }
    const locked = await t.http.post('/auth/login', { email: user.email, password: PASSWORD });
    expectProblem(locked, 429, 'too_many_requests');
    const response = await passkeyLogin(t, authenticator);
    expect(response.status).toBe(200);
    // And it leaves the password's lockout as it was.
    expectProblem(
      await t.http.post('/auth/login', { email: user.email, password: PASSWORD }),
      429,
      'too_many_requests',
    );
  });
});

describe('passkey sign-in with AUTH_REQUIRE_VERIFIED_EMAIL=true', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { AUTH_REQUIRE_VERIFIED_EMAIL: 'true' } });
  });
  afterAll(() => t.close());

  it('refuses an unverified account with 403 email_not_verified, as login does', async () => {
    const user = await registerUser(t.http);
    // No session before verification: vouch for the address, add a passkey, then un-verify.
    await t.sql(`UPDATE users SET email_verified = true WHERE id = $1`, [user.user!.id]);
    const login = await t.http.post('/auth/login', { email: user.email, password: PASSWORD });
    const authenticator = new SoftAuthenticator();
    await addPasskey(t, login.body.accessToken, authenticator);
    await t.sql(`UPDATE users SET email_verified = false WHERE id = $1`, [user.user!.id]);
    expectProblem(await passkeyLogin(t, authenticator), 403, 'email_not_verified');
    await t.sql(`UPDATE users SET email_verified = true WHERE id = $1`, [user.user!.id]);
    expect((await passkeyLogin(t, authenticator)).status).toBe(200);
  });
});

/**
 * Sign-up without a password (docs/api.md, "Passkeys"): the account, its passkey and its first
 * session in one step; such an account refuses every password as invalid_credentials, can gain
 * one through POST /auth/password, and cannot delete its last way in. AUTH_REQUIRE_VERIFIED_EMAIL
 * is honoured as register honours it.
 */
import { expectProblem } from '../support/forge';
import { TestSmtpServer, linkToken } from '../support/smtp';
import { PASSWORD, registerUser, startApp, uniqueEmail, type TestApp } from '../support/test-app';
import { amrOf } from '../mfa/helpers';
import { addPasskey, AMR_PASSKEY, passkeyLogin } from './helpers';
import { SoftAuthenticator } from './soft-authenticator';

async function signupOptions(t: TestApp, email: string, name?: string) {
  const response = await t.http.post('/auth/passkeys/signup/options', { email, name });
  if (response.status !== 200) {
    throw new Error(`signup/options failed: ${response.status} ${response.text}`);
  }
  return response.body;
}

async function signUp(t: TestApp, email = uniqueEmail('passkey'), name?: string) {
  const authenticator = new SoftAuthenticator();
  const options = await signupOptions(t, email, name);
  const response = await t.http.post('/auth/passkeys/signup', {
    response: authenticator.create(options),
  });
  return { email, authenticator, options, response };
}

describe('passkey sign-up', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('answers creation options bound to the address; 409 email_taken for a known one', async () => {
    const email = uniqueEmail();
    const options = await signupOptions(t, `  ${email.toUpperCase()} `, 'Ada');
    expect(options.user).toMatchObject({ name: email, displayName: 'Ada' });
    expect(Buffer.from(options.user.id, 'base64url')).toHaveLength(32);
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    const [row] = await t.sql(
      `SELECT purpose, email, name, user_id FROM passkey_challenges
       WHERE challenge_hash = sha256(convert_to($1, 'UTF8'))`,
      [options.challenge],
    );
    expect(row).toEqual({ purpose: 'signup', email, name: 'Ada', user_id: null });
    const existing = await registerUser(t.http);
    expectProblem(
      await t.http.post('/auth/passkeys/signup/options', { email: existing.email }),
      409,
      'email_taken',
    );
  });

  it('creates the account with its passkey and no password, signed in with ["hwk", "mfa"]', async () => {
    const { email, authenticator, options, response } = await signUp(t, undefined, 'Ada');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      tokenType: 'Bearer',
      user: { email, name: 'Ada', emailVerified: false },
    });
    expect(amrOf(response.body.accessToken)).toEqual(AMR_PASSKEY);
    const userId = response.body.user.id;
    const [user] = await t.sql(`SELECT password_hash FROM users WHERE id = $1`, [userId]);
    expect(user.password_hash).toBeNull();
    const [handle] = await t.sql(`SELECT handle FROM passkey_user_handles WHERE user_id = $1`, [
      userId,
    ]);
    expect(handle.handle.toString('base64url')).toBe(options.user.id);
    const list = await t.http.get('/auth/passkeys', { token: response.body.accessToken });
    expect(list.body).toHaveLength(1);
    // It signs in with the passkey, and refuses any password as an unknown account would.
    expect((await passkeyLogin(t, authenticator)).status).toBe(200);
    const guess = await t.http.post('/auth/login', { email, password: PASSWORD });
    expectProblem(guess, 401, 'invalid_credentials');
    // A verification mail is queued, as for register.
    const mails = await t.sql(`SELECT kind FROM mail_outbox WHERE user_id = $1`, [userId]);
    expect(mails.map((m) => m.kind)).toContain('verify_email');
  });

  it('cannot delete its last passkey (409 last_sign_in_method) until it has another way in', async () => {
    const { authenticator, response } = await signUp(t);
    const token = response.body.accessToken;
    const [passkey] = (await t.http.get('/auth/passkeys', { token })).body;
    expectProblem(
      await t.http.delete(`/auth/passkeys/${passkey.id}`, { token }),
      409,
      'last_sign_in_method',
    );
    // A second passkey: either may go, not both.
    const second = await addPasskey(t, token, new SoftAuthenticator());
    expect((await t.http.delete(`/auth/passkeys/${passkey.id}`, { token })).status).toBe(204);
    expectProblem(
      await t.http.delete(`/auth/passkeys/${second.id}`, { token }),
      409,
      'last_sign_in_method',
    );
    // With a password (none to confirm), the last passkey may go.
    const set = await t.http.post('/auth/password', { newPassword: PASSWORD }, { token });
    expect(set.status).toBe(204);
    expect((await t.http.delete(`/auth/passkeys/${second.id}`, { token })).status).toBe(204);
    const login = await t.http.post('/auth/login', {
      email: response.body.user.email,
      password: PASSWORD,
    });
    expect(login.status).toBe(200);
    expectProblem(await passkeyLogin(t, authenticator), 401, 'invalid_passkey');
  });

  it('lets only one of two simultaneous deletions of the last two passkeys through', async () => {
    const { response } = await signUp(t);
    const token = response.body.accessToken;
    const second = await addPasskey(t, token, new SoftAuthenticator());
    const [, first] = (await t.http.get('/auth/passkeys', { token })).body;
    const answers = await Promise.all(
      [first.id, second.id].map((id) => t.http.delete(`/auth/passkeys/${id}`, { token })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([204, 409]);
    expect((await t.http.get('/auth/passkeys', { token })).body).toHaveLength(1);
  });

  it('refuses a tampered response, a challenge used twice, and the same credential twice', async () => {
    const authenticator = new SoftAuthenticator();
    const options = await signupOptions(t, uniqueEmail());
    const tampered = await t.http.post('/auth/passkeys/signup', {
      response: authenticator.create(options, { origin: 'https://evil.example' }),
    });
    expectProblem(tampered, 400, 'invalid_passkey');
    const retry = await t.http.post('/auth/passkeys/signup', {
      response: authenticator.create(options),
    });
    expectProblem(retry, 400, 'invalid_passkey');

    const { authenticator: used } = await signUp(t);
    const again = await t.http.post('/auth/passkeys/signup', {
      response: used.create(await signupOptions(t, uniqueEmail()), { reuse: used.lastId }),
    });
    expectProblem(again, 409, 'passkey_exists');
  });

  it('answers 409 email_taken when the address was registered meanwhile, keeping nothing', async () => {
    const email = uniqueEmail();
    const authenticator = new SoftAuthenticator();
    const options = await signupOptions(t, email);
    await registerUser(t.http, email);
    const late = await t.http.post('/auth/passkeys/signup', {
      response: authenticator.create(options),
    });
    expectProblem(late, 409, 'email_taken');
    expect(
      await t.sql(`SELECT 1 FROM passkeys WHERE credential_id = $1`, [
        Buffer.from(authenticator.lastId, 'base64url'),
      ]),
    ).toEqual([]);
  });
});

describe('passkey sign-up with AUTH_REQUIRE_VERIFIED_EMAIL=true', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await startApp({
      env: { AUTH_REQUIRE_VERIFIED_EMAIL: 'true', SMTP_URL: smtp.url, AUTH_MAIL_INTERVAL: '0s' },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('answers 201 {user} without tokens, mails a link, and signs in once verified', async () => {
    const { email, authenticator, response } = await signUp(t);
    expect(response.status).toBe(201);
    expect(Object.keys(response.body)).toEqual(['user']);
    expect(response.headers.get('set-cookie')).toBeNull();
    expectProblem(await passkeyLogin(t, authenticator), 403, 'email_not_verified');
    const [mail] = await smtp.waitFor(email);
    const verified = await t.http.post('/auth/verify-email', {
      token: linkToken(mail, '/verify-email'),
    });
    expect(verified.status).toBe(204);
    const login = await passkeyLogin(t, authenticator);
    expect(login.status).toBe(200);
    expect(amrOf(login.body.accessToken)).toEqual(AMR_PASSKEY);
  });

  it('a password reset of the never-verified address removes its passkeys', async () => {
    const { email, authenticator, response } = await signUp(t);
    const userId = response.body.user.id;
    expect((await t.http.post('/auth/password/forgot', { email })).status).toBe(202);
    const mails = await smtp.waitFor(email, 2);
    const reset = mails.find((m) => /reset/i.test(m.subject ?? ''))!;
    const done = await t.http.post('/auth/password/reset', {
      token: linkToken(reset, '/reset-password'),
      newPassword: 'a brand new passphrase',
    });
    expect(done.status).toBe(204);
    expect(await t.sql(`SELECT 1 FROM passkeys WHERE user_id = $1`, [userId])).toEqual([]);
    expectProblem(await passkeyLogin(t, authenticator), 401, 'invalid_passkey');
  });
});

import { PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';
import { decodeJwt, expectProblem } from '../support/forge';
import { tokenId } from '../support/refresh-token';
import { countRows, expectTokenResponse, ISO_UTC, UUID } from './helpers';

describe('POST /auth/register and POST /auth/login', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  describe('register', () => {
    it('answers 201 with a token response and the user, and stores only hashes', async () => {
      const email = uniqueEmail('reg');
      const response = await t.http.post('/auth/register', {
        email,
        password: PASSWORD,
        name: 'Ada',
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expectTokenResponse(response.body);
      const body = response.body;
      expect(body.expiresIn).toBe(900);
      expect(Math.abs(body.refreshExpiresIn - 1_209_600)).toBeLessThanOrEqual(2);
      expect(body.user).toEqual({
        id: expect.stringMatching(UUID),
        email,
        name: 'Ada',
        roles: ['user'],
        createdAt: expect.stringMatching(ISO_UTC),
        emailVerified: false,
      });
      expect(Object.keys(body.user).sort()).toEqual([
        'createdAt',
        'email',
        'emailVerified',
        'id',
        'name',
        'roles',
      ]);

      // The access token names this user and this session.
      const { header, payload } = decodeJwt(body.accessToken);
      expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
      expect(payload).toMatchObject({
        iss: 'latch',
        aud: 'latch-api',
        sub: body.user.id,
        sid: body.sessionId,
        roles: ['user'],
        jti: expect.any(String),
      });
      expect(payload.exp - payload.iat).toBe(900);

      // Rows: the user (argon2id hash), one session, one first refresh token without parent.
      const [user] = await t.sql(`SELECT * FROM users WHERE id = $1`, [body.user.id]);
      expect(user.email).toBe(email);
      expect(user.password_hash).toMatch(/^\$argon2id\$/);
      expect(user.password_hash).not.toContain(PASSWORD);
      const [session] = await t.sql(`SELECT * FROM sessions WHERE id = $1`, [body.sessionId]);
      expect(session.user_id).toBe(body.user.id);
      expect(session.revoked_at).toBeNull();
      const tokens = await t.sql(
        `SELECT id, parent_id, rotated_at, encode(secret_hash, 'hex') AS hash
         FROM refresh_tokens WHERE session_id = $1`,
        [body.sessionId],
      );
      expect(tokens).toEqual([
        {
          id: tokenId(body.refreshToken),
          parent_id: null,
          rotated_at: null,
          hash: expect.any(String),
        },
      ]);

      // The refresh token: at least 256 bits of secret, and never stored itself.
      const secret = body.refreshToken.slice(tokenId(body.refreshToken).length + 1);
      expect(Buffer.from(secret, 'base64url').length * 8).toBeGreaterThanOrEqual(256);
      const secretHex = Buffer.from(secret, 'base64url').toString('hex');
      expect(tokens[0].hash).not.toBe(secretHex);
      for (const table of ['users', 'sessions', 'refresh_tokens', 'auth_events']) {
        const rows = await t.sql(`SELECT row_to_json(x)::text AS j FROM ${table} x`);
        const dump = rows.map((row) => row.j).join('\n');
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(secretHex);
        expect(dump).not.toContain(body.accessToken);
        expect(dump).not.toContain(PASSWORD);
      }
    });

    it('trims and lower-cases the email', async () => {
      const local = uniqueEmail('Mixed').split('@')[0];
      const response = await t.http.post('/auth/register', {
        email: `  ${local.toUpperCase()}@Example.COM  `,
        password: PASSWORD,
      });
      expect(response.status).toBe(201);
      const normalised = `${local.toLowerCase()}@example.com`;
      expect(response.body.user.email).toBe(normalised);
      expect(response.body.user.name).toBe('');
      const rows = await t.sql(`SELECT email FROM users WHERE id = $1`, [response.body.user.id]);
      expect(rows[0].email).toBe(normalised);
      // Logging in with any casing and padding reaches the same account.
      const login = await t.http.post('/auth/login', {
        email: ` ${normalised.toUpperCase()} `,
        password: PASSWORD,
      });
      expect(login.status).toBe(200);
      expect(decodeJwt(login.body.accessToken).payload.sub).toBe(response.body.user.id);
    });

    it('answers 409 email_taken for an existing email in any casing, and adds no row', async () => {
      const email = uniqueEmail('taken');
      await registerUser(t.http, email);
      for (const variant of [email, email.toUpperCase(), `  ${email.replace('taken', 'TAKEN')}`]) {
        const response = await t.http.post('/auth/register', {
          email: variant,
          password: 'another password',
        });
        expectProblem(response, 409, 'email_taken');
        expect(response.text).not.toContain('another password');
      }
      expect(
        await countRows(t, `SELECT count(*)::int AS n FROM users WHERE lower(email) = $1`, [email]),
      ).toBe(1);
      // The original password still works: the conflict changed nothing.
      expect((await t.http.post('/auth/login', { email, password: PASSWORD })).status).toBe(200);
    });

    it.each([
      ['a password of 7 characters', { password: 'x'.repeat(7) }, 'password'],
      ['a password of 257 characters', { password: 'x'.repeat(257) }, 'password'],
      ['a malformed email', { email: 'not-an-email' }, 'email'],
      ['a missing email', { email: undefined }, 'email'],
      ['a missing password', { password: undefined }, 'password'],
      ['a non-string name', { name: 42 }, 'name'],
      ['an unknown field', { roles: ['admin'] }, 'roles'],
    ])('refuses %s with 400 validation_failed naming the field', async (_what, change, field) => {
      const email = uniqueEmail('invalid');
      const response = await t.http.post('/auth/register', {
        email,
        password: PASSWORD,
        ...change,
      });
      expectProblem(response, 400, 'validation_failed');
      expect(response.body.errors).toEqual(
        expect.arrayContaining([{ field, message: expect.any(String) }]),
      );
      expect(
        await countRows(t, `SELECT count(*)::int AS n FROM users WHERE email = $1`, [email]),
      ).toBe(0);
    });

    it('accepts passwords of exactly 8 and 256 characters', async () => {
      for (const password of ['p'.repeat(8), 'p'.repeat(256)]) {
        const email = uniqueEmail('edge');
        const response = await t.http.post('/auth/register', { email, password });
        expect(response.status).toBe(201);
        expect((await t.http.post('/auth/login', { email, password })).status).toBe(200);
      }
    });
  });

  describe('login', () => {
    it('answers 200 with a token response and a new session', async () => {
      const registered = await registerUser(t.http);
      const response = await t.http.post('/auth/login', {
        email: registered.email,
        password: PASSWORD,
      });
      expect(response.status).toBe(200);
      expectTokenResponse(response.body);
      expect(response.body).not.toHaveProperty('user');
      expect(response.body.sessionId).not.toBe(registered.sessionId);
      expect(response.body.refreshToken).not.toBe(registered.refreshToken);
      expect(decodeJwt(response.body.accessToken).payload).toMatchObject({
        sub: registered.user!.id,
        sid: response.body.sessionId,
      });
      const sessions = await t.sql(
        `SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at`,
        [registered.user!.id],
      );
      expect(sessions.map((row) => row.id)).toEqual([
        registered.sessionId,
        response.body.sessionId,
      ]);
      // Both sessions work side by side.
      for (const token of [registered.accessToken, response.body.accessToken]) {
        expect((await t.http.get('/auth/me', { token })).status).toBe(200);
      }
    });

    it('answers 401 invalid_credentials with the same body for an unknown email and a wrong password', async () => {
      const registered = await registerUser(t.http);
      const sessionsBefore = await countRows(t, `SELECT count(*)::int AS n FROM sessions`);
      const wrongPassword = await t.http.post('/auth/login', {
        email: registered.email,
        password: 'wrong password!',
      });
      const unknownEmail = await t.http.post('/auth/login', {
        email: uniqueEmail('nobody'),
        password: 'wrong password!',
      });
      expectProblem(wrongPassword, 401, 'invalid_credentials');
      expectProblem(unknownEmail, 401, 'invalid_credentials');
      expect(unknownEmail.body).toEqual(wrongPassword.body);
      expect(unknownEmail.text).toBe(wrongPassword.text);
      expect(unknownEmail.headers.get('content-type')).toBe(
        wrongPassword.headers.get('content-type'),
      );
      expect(wrongPassword.text).not.toContain('wrong password!');
      expect(await countRows(t, `SELECT count(*)::int AS n FROM sessions`)).toBe(sessionsBefore);
    });

    it('refuses a malformed login body with 400 validation_failed', async () => {
      const response = await t.http.post('/auth/login', { email: 'x@example.com' });
      expectProblem(response, 400, 'validation_failed');
      expect(response.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'password' })]),
      );
    });
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { login, PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';
import { accessClaims, devSigningKey, expectProblem, signJwt } from '../support/forge';
import { refresh, rotate, sessionRow } from './helpers';

/** One place that walks docs/api.md's error table for the auth, users and notes routes. */
describe('error codes of the contract', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  describe('Authorization header', () => {
    it('missing_token: no Authorization header on a protected route', async () => {
      for (const [method, path] of [
        ['GET', '/auth/me'],
        ['GET', '/auth/sessions'],
        ['GET', '/auth/events'],
        ['POST', '/auth/logout-all'],
        ['GET', '/users/me'],
        ['GET', '/users'],
        ['GET', '/notes'],
      ]) {
        expectProblem(await t.http.request(method, path), 401, 'missing_token');
      }
    });

    it('missing_token: an Authorization header of another scheme', async () => {
      const user = await registerUser(t.http);
      for (const authorization of [
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        `Token ${user.accessToken}`,
        user.accessToken,
      ]) {
        expectProblem(
          await t.http.get('/auth/me', { headers: { authorization } }),
          401,
          'missing_token',
        );
      }
    });

    it('the Bearer scheme is case-insensitive', async () => {
      const user = await registerUser(t.http);
      for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
        const response = await t.http.get('/auth/me', {
          headers: { authorization: `${scheme} ${user.accessToken}` },
        });
        expect({ scheme, status: response.status }).toEqual({ scheme, status: 200 });
        expect(response.body.userId).toBe(user.user!.id);
      }
    });

    it('invalid_token: a Bearer value that is no access token', async () => {
      for (const token of ['x', 'not-a-jwt', 'a.b.c', randomBytes(40).toString('base64url')]) {
        expectProblem(await t.http.get('/auth/me', { token }), 401, 'invalid_token');
      }
      expectProblem(
        await t.http.get('/auth/me', { headers: { authorization: 'bearer x' } }),
        401,
        'invalid_token',
      );
    });

    it('token_expired: a well-signed access token past exp (and past any leeway)', async () => {
      const user = await registerUser(t.http);
      const key = await devSigningKey(t);
      const now = Math.floor(Date.now() / 1000);
      const token = signJwt(
        { alg: 'ES256', typ: 'at+jwt', kid: key.kid },
        accessClaims(user.user!.id, user.sessionId, { iat: now - 900, exp: now - 120 }),
        { kind: 'es256', key: key.privateKey },
      );
      expectProblem(await t.http.get('/auth/me', { token }), 401, 'token_expired');
    });

    it('session_revoked: an access token whose session was logged out', async () => {
      const user = await registerUser(t.http);
      expect((await t.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
      expect((await t.http.post('/auth/logout', { refreshToken: user.refreshToken })).status).toBe(
        204,
      );
      expectProblem(
        await t.http.get('/auth/me', { token: user.accessToken }),
        401,
        'session_revoked',
      );
      expectProblem(
        await t.http.get('/auth/me', { headers: { authorization: `bearer ${user.accessToken}` } }),
        401,
        'session_revoked',
      );
    });
  });

  describe('refresh tokens', () => {
    it('invalid_grant: unknown, malformed or absent refresh token', async () => {
      const unknown = `${randomUUID()}.${randomBytes(32).toString('base64url')}`;
      expectProblem(await refresh(t, unknown), 401, 'invalid_grant');
      expectProblem(await refresh(t, 'garbage'), 401, 'invalid_grant');
      expectProblem(await t.http.post('/auth/refresh', {}), 401, 'invalid_grant');
    });

    it('refresh_token_reused: a spent token outside the grace rules revokes the session', async () => {
      const user = await registerUser(t.http);
      const child = await rotate(t, user.refreshToken);
      await rotate(t, child.refreshToken);
      const response = await refresh(t, user.refreshToken);
      expectProblem(response, 401, 'refresh_token_reused');
      expect((await sessionRow(t, user.sessionId)).revoke_reason).toBe('refresh_token_reused');
    });
  });

  describe('other codes', () => {
    it('invalid_credentials: wrong password', async () => {
      const user = await registerUser(t.http);
      expectProblem(
        await t.http.post('/auth/login', { email: user.email, password: 'nope nope' }),
        401,
        'invalid_credentials',
      );
    });

    it('forbidden: authenticated but lacking the admin role', async () => {
      const user = await registerUser(t.http);
      expectProblem(await t.http.get('/users', { token: user.accessToken }), 403, 'forbidden');
    });

    it('email_taken: register twice', async () => {
      const email = uniqueEmail();
      await registerUser(t.http, email);
      expectProblem(
        await t.http.post('/auth/register', { email, password: PASSWORD }),
        409,
        'email_taken',
      );
    });

    it("not_found: unknown routes, another user's session", async () => {
      expectProblem(await t.http.get('/auth/nope'), 404, 'not_found');
      expectProblem(await t.http.post('/auth/unknown', {}), 404, 'not_found');
      const mine = await registerUser(t.http);
      const theirs = await login(t.http, (await registerUser(t.http)).email);
      expectProblem(
        await t.http.delete(`/auth/sessions/${theirs.sessionId}`, { token: mine.accessToken }),
        404,
        'not_found',
      );
    });

    it('validation_failed: with an errors list of {field, message}', async () => {
      const response = await t.http.post('/auth/register', {
        email: 'nope',
        password: 'short',
        isAdmin: true,
      });
      expectProblem(response, 400, 'validation_failed');
      expect(response.body.errors.length).toBeGreaterThanOrEqual(3);
      for (const error of response.body.errors) {
        expect(error).toEqual({ field: expect.any(String), message: expect.any(String) });
      }
      expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['email', 'password', 'isAdmin']),
      );
      // Never echoes the rejected values.
      expect(response.text).not.toContain('short');
    });

    it('validation_failed: a body that is not JSON', async () => {
      const response = await t.http.post('/auth/refresh', undefined, {
        rawBody: '{"refreshToken": ',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(response, 400, 'validation_failed');
    });
  });
});

describe('too_many_requests', () => {
  it('login lockout: 429 with Retry-After even for the right password', async () => {
    const t = await startApp({ env: { AUTH_LOCKOUT_THRESHOLD: '3' } });
    try {
      const user = await registerUser(t.http);
      for (let i = 0; i < 3; i++) {
        expectProblem(
          await t.http.post('/auth/login', { email: user.email, password: 'wrong password' }),
          401,
          'invalid_credentials',
        );
      }
      const locked = await t.http.post('/auth/login', { email: user.email, password: PASSWORD });
      expectProblem(locked, 429, 'too_many_requests');
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another account is not affected.
      const other = await registerUser(t.http);
      expect(
        (await t.http.post('/auth/login', { email: other.email, password: PASSWORD })).status,
      ).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('login rate limit: 429 with Retry-After once the per-IP budget is spent', async () => {
    const t = await startApp({ env: { AUTH_LOGIN_RATE_LIMIT: '3' } });
    try {
      const user = await registerUser(t.http); // 1
      expect(
        (await t.http.post('/auth/login', { email: user.email, password: PASSWORD })).status,
      ).toBe(200); // 2
      expectProblem(
        await t.http.post('/auth/login', { email: user.email, password: 'bad password' }),
        401,
        'invalid_credentials',
      ); // 3
      const limited = await t.http.post('/auth/login', { email: user.email, password: PASSWORD });
      expectProblem(limited, 429, 'too_many_requests');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      const register = await t.http.post('/auth/register', {
        email: uniqueEmail(),
        password: PASSWORD,
      });
      expectProblem(register, 429, 'too_many_requests');
      // Token routes are not part of that budget.
      expect((await t.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
      expect((await refresh(t, user.refreshToken)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

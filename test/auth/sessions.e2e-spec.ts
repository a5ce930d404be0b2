import { randomBytes, randomUUID } from 'node:crypto';
import {
  login,
  PASSWORD,
  registerUser,
  startApp,
  TestApp,
  TokenResponse,
} from '../support/test-app';
import { decodeJwt, expectProblem } from '../support/forge';
import { tokenId } from '../support/refresh-token';
import {
  expectSessionRevoked,
  ISO_UTC,
  loginAs,
  ms,
  refresh,
  sessionRow,
  tokenRow,
  UUID,
} from './helpers';

/** A user with three sessions: `a` from register, `b` and `c` from logins. */
async function userWithThreeSessions(t: TestApp) {
  const a = await registerUser(t.http);
  const b = await login(t.http, a.email);
  const c = await login(t.http, a.email);
  return { email: a.email, userId: a.user!.id, a, b, c };
}

async function expectSessionDead(t: TestApp, tokens: TokenResponse) {
  expectProblem(
    await t.http.get('/auth/me', { token: tokens.accessToken }),
    401,
    'session_revoked',
  );
  expectProblem(await t.http.get('/notes', { token: tokens.accessToken }), 401, 'session_revoked');
  expectProblem(await refresh(t, tokens.refreshToken), 401, 'invalid_grant');
}

async function expectSessionAlive(t: TestApp, tokens: TokenResponse) {
  expect((await t.http.get('/auth/me', { token: tokens.accessToken })).status).toBe(200);
  expect((await sessionRow(t, tokens.sessionId)).revoked_at).toBeNull();
}

describe('sessions: me, list, delete, logout, logout-all, password change, events', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  describe('GET /auth/me', () => {
    it('answers from the token: userId, sessionId, roles, amr, expiresAt', async () => {
      const user = await registerUser(t.http);
      const response = await t.http.get('/auth/me', { token: user.accessToken });
      expect(response.status).toBe(200);
      const { payload } = decodeJwt(user.accessToken);
      expect(response.body).toEqual({
        userId: user.user!.id,
        sessionId: user.sessionId,
        roles: ['user'],
        amr: ['pwd'],
        expiresAt: new Date(payload.exp * 1000).toISOString(),
      });
      expect(response.body.expiresAt).toMatch(ISO_UTC);
    });

    it('needs an access token', async () => {
      expectProblem(await t.http.get('/auth/me'), 401, 'missing_token');
    });
  });

  describe('GET /auth/sessions', () => {
    it('lists active sessions only, newest first, with current, userAgent and ip', async () => {
      const first = await registerUser(t.http);
      const email = first.email;
      const phone = await loginAs(t, email, { 'user-agent': 'PhoneApp/1.0' });
      const laptop = await loginAs(t, email, { 'user-agent': 'Laptop Browser/2.0' });
      const ended = await loginAs(t, email, { 'user-agent': 'Gone/0.1' });
      expect((await t.http.post('/auth/logout', { refreshToken: ended.refreshToken })).status).toBe(
        204,
      );
      // Someone else's session never shows.
      const stranger = await registerUser(t.http);

      const response = await t.http.get('/auth/sessions', { token: phone.accessToken });
      expect(response.status).toBe(200);
      const ids = response.body.map((session: { id: string }) => session.id);
      expect(ids).toEqual([laptop.sessionId, phone.sessionId, first.sessionId]);
      expect(ids).not.toContain(ended.sessionId);
      expect(ids).not.toContain(stranger.sessionId);
      for (const session of response.body) {
        expect(Object.keys(session).sort()).toEqual(
          ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent'].sort(),
        );
        expect(session.id).toMatch(UUID);
        expect(session.createdAt).toMatch(ISO_UTC);
        expect(session.lastUsedAt).toMatch(ISO_UTC);
        expect(session.expiresAt).toMatch(ISO_UTC);
        expect(ms(session.expiresAt)).toBeGreaterThan(Date.now());
        expect(session.ip).toBe('127.0.0.1');
        expect(session.current).toBe(session.id === phone.sessionId);
      }
      const created = response.body.map((session: { createdAt: string }) => ms(session.createdAt));
      expect([...created].sort((x, y) => y - x)).toEqual(created);
      expect(response.body[0].userAgent).toBe('Laptop Browser/2.0');
      expect(response.body[1].userAgent).toBe('PhoneApp/1.0');

      // The row holds the same user agent and address.
      const row = await sessionRow(t, laptop.sessionId);
      expect(row.user_agent).toBe('Laptop Browser/2.0');
      expect(row.ip).toBe('127.0.0.1');

      // Asked from another session, only the flag moves.
      const fromLaptop = await t.http.get('/auth/sessions', { token: laptop.accessToken });
      expect(
        fromLaptop.body.filter((s: { current: boolean }) => s.current).map((s: any) => s.id),
      ).toEqual([laptop.sessionId]);
    });
  });

  describe('DELETE /auth/sessions/:id', () => {
    it("ends one of the caller's sessions: 204, its tokens stop working, the caller's do not", async () => {
      const { a, b, c } = await userWithThreeSessions(t);
      const response = await t.http.delete(`/auth/sessions/${b.sessionId}`, {
        token: a.accessToken,
      });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      await expectSessionRevoked(t, b.sessionId, 'session_deleted');
      await expectSessionDead(t, b);
      await expectSessionAlive(t, a);
      await expectSessionAlive(t, c);
      expect((await refresh(t, a.refreshToken)).status).toBe(200);
      const listed = await t.http.get('/auth/sessions', { token: c.accessToken });
      expect(listed.body.map((s: { id: string }) => s.id)).not.toContain(b.sessionId);
    });

    it("answers 404 not_found for another user's session and leaves it alone", async () => {
      const mine = await registerUser(t.http);
      const theirs = await registerUser(t.http);
      const response = await t.http.delete(`/auth/sessions/${theirs.sessionId}`, {
        token: mine.accessToken,
      });
      expectProblem(response, 404, 'not_found');
      await expectSessionAlive(t, theirs);
      expect((await refresh(t, theirs.refreshToken)).status).toBe(200);
    });

    it.each([
      ['a non-uuid id', 'not-a-uuid'],
      ['an SQL-looking id', "1' OR '1'='1"],
      ['an unknown uuid', randomUUID()],
    ])('answers 404 not_found for %s', async (_what, id) => {
      const user = await registerUser(t.http);
      const response = await t.http.delete(`/auth/sessions/${encodeURIComponent(id)}`, {
        token: user.accessToken,
      });
      expectProblem(response, 404, 'not_found');
      await expectSessionAlive(t, user);
    });

    it('needs an access token', async () => {
      const user = await registerUser(t.http);
      expectProblem(await t.http.delete(`/auth/sessions/${user.sessionId}`), 401, 'missing_token');
      await expectSessionAlive(t, user);
    });
  });

  describe('POST /auth/logout', () => {
    it('by refresh token in the body: 204, the session is revoked', async () => {
      const user = await registerUser(t.http);
      const other = await login(t.http, user.email);
      const response = await t.http.post('/auth/logout', { refreshToken: user.refreshToken });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      await expectSessionRevoked(t, user.sessionId, 'logout');
      await expectSessionDead(t, user);
      await expectSessionAlive(t, other);
    });

    it('by access token: 204, the session is revoked', async () => {
      const user = await registerUser(t.http);
      const other = await login(t.http, user.email);
      const response = await t.http.post('/auth/logout', undefined, { token: user.accessToken });
      expect(response.status).toBe(204);
      await expectSessionRevoked(t, user.sessionId, 'logout');
      await expectSessionDead(t, user);
      await expectSessionAlive(t, other);
    });

    it('still answers 204 for an already revoked token, by either kind, and changes nothing', async () => {
      const user = await registerUser(t.http);
      expect((await t.http.post('/auth/logout', { refreshToken: user.refreshToken })).status).toBe(
        204,
      );
      const revokedAt = (await sessionRow(t, user.sessionId)).revoked_at;
      expect((await t.http.post('/auth/logout', { refreshToken: user.refreshToken })).status).toBe(
        204,
      );
      expect(
        (await t.http.post('/auth/logout', undefined, { token: user.accessToken })).status,
      ).toBe(204);
      const row = await sessionRow(t, user.sessionId);
      expect(ms(row.revoked_at!)).toBe(ms(revokedAt!));
      expect(row.revoke_reason).toBe('logout');
    });

    it('still answers 204 for an unknown or malformed refresh token, and revokes nothing', async () => {
      const user = await registerUser(t.http);
      const unknown = `${randomUUID()}.${randomBytes(32).toString('base64url')}`;
      // The real token id with a wrong secret proves nothing either.
      const wrongSecret = `${tokenId(user.refreshToken)}.${randomBytes(32).toString('base64url')}`;
      for (const refreshToken of [unknown, wrongSecret, 'garbage']) {
        expect((await t.http.post('/auth/logout', { refreshToken })).status).toBe(204);
      }
      await expectSessionAlive(t, user);
      expect((await tokenRow(t, user.refreshToken)).rotated_at).toBeNull();
    });

    it('without any token answers 401 missing_token', async () => {
      expectProblem(await t.http.post('/auth/logout', {}), 401, 'missing_token');
    });
  });

  describe('POST /auth/logout-all', () => {
    it("revokes every session of the user: all access and refresh tokens die, others' live", async () => {
      const { userId, a, b, c } = await userWithThreeSessions(t);
      const stranger = await registerUser(t.http);
      const response = await t.http.post('/auth/logout-all', undefined, { token: b.accessToken });
      expect(response.status).toBe(204);
      const rows = await t.sql(
        `SELECT id, revoked_at, revoke_reason FROM sessions WHERE user_id = $1`,
        [userId],
      );
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        expect(row.revoked_at).not.toBeNull();
        expect(row.revoke_reason).toBe('logout_all');
      }
      for (const session of [a, b, c]) await expectSessionDead(t, session);
      await expectSessionAlive(t, stranger);
      // The account itself is fine: a new login works.
      const again = await login(t.http, a.email);
      await expectSessionAlive(t, again);
    });

    it('needs an access token', async () => {
      expectProblem(await t.http.post('/auth/logout-all'), 401, 'missing_token');
    });
  });

  describe('POST /auth/password', () => {
    it('wrong current password: 401 invalid_credentials, nothing changes', async () => {
      const { email, userId, a, b } = await userWithThreeSessions(t);
      const [before] = await t.sql(`SELECT password_hash FROM users WHERE id = $1`, [userId]);
      const response = await t.http.post(
        '/auth/password',
        { currentPassword: 'not my password', newPassword: 'brand new password' },
        { token: a.accessToken },
      );
      expectProblem(response, 401, 'invalid_credentials');
      const [after] = await t.sql(`SELECT password_hash FROM users WHERE id = $1`, [userId]);
      expect(after.password_hash).toBe(before.password_hash);
      await expectSessionAlive(t, a);
      await expectSessionAlive(t, b);
      expect((await t.http.post('/auth/login', { email, password: PASSWORD })).status).toBe(200);
    });

    it('keeps the calling session, kills the others (access and refresh), swaps the password', async () => {
      const { email, userId, a, b, c } = await userWithThreeSessions(t);
      const [before] = await t.sql(`SELECT password_changed_at FROM users WHERE id = $1`, [userId]);
      const newPassword = 'a completely new passphrase';
      const response = await t.http.post(
        '/auth/password',
        { currentPassword: PASSWORD, newPassword },
        { token: b.accessToken },
      );
      expect(response.status).toBe(204);

      for (const other of [a, c]) {
        await expectSessionRevoked(t, other.sessionId, 'password_changed');
        await expectSessionDead(t, other);
      }
      await expectSessionAlive(t, b);
      const rotated = await refresh(t, b.refreshToken);
      expect(rotated.status).toBe(200);
      expect((await t.http.get('/auth/me', { token: rotated.body.accessToken })).status).toBe(200);

      const [after] = await t.sql(`SELECT password_changed_at FROM users WHERE id = $1`, [userId]);
      expect(ms(after.password_changed_at)).toBeGreaterThan(ms(before.password_changed_at));
      expectProblem(
        await t.http.post('/auth/login', { email, password: PASSWORD }),
        401,
        'invalid_credentials',
      );
      expect((await t.http.post('/auth/login', { email, password: newPassword })).status).toBe(200);
    });

    it('refuses a too-short new password with 400 validation_failed', async () => {
      const user = await registerUser(t.http);
      const response = await t.http.post(
        '/auth/password',
        { currentPassword: PASSWORD, newPassword: 'short' },
        { token: user.accessToken },
      );
      expectProblem(response, 400, 'validation_failed');
      expect(response.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'newPassword' })]),
      );
      expect(
        (await t.http.post('/auth/login', { email: user.email, password: PASSWORD })).status,
      ).toBe(200);
    });

    it('needs an access token', async () => {
      expectProblem(
        await t.http.post('/auth/password', {
          currentPassword: PASSWORD,
          newPassword: 'x'.repeat(9),
        }),
        401,
        'missing_token',
      );
    });
  });

  describe('GET /auth/events', () => {
    it("lists the caller's own events, newest first, with no secret in them", async () => {
      const user = await registerUser(t.http);
      const second = await loginAs(t, user.email, { 'user-agent': 'EventsAgent/3' });
      const rotated = await refresh(t, second.refreshToken);
      expect(rotated.status).toBe(200);
      expectProblem(
        await t.http.post('/auth/login', { email: user.email, password: 'wrong password 1' }),
        401,
        'invalid_credentials',
      );
      expect((await t.http.post('/auth/logout', { refreshToken: user.refreshToken })).status).toBe(
        204,
      );
      // Another user's activity must not leak into the list.
      const stranger = await registerUser(t.http);
      await login(t.http, stranger.email);

      const response = await t.http.get('/auth/events', {
        token: rotated.body.accessToken,
      });
      expect(response.status).toBe(200);
      const events: any[] = response.body;
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(
          ['at', 'detail', 'ip', 'sessionId', 'type', 'userAgent'].sort(),
        );
        expect(event.at).toMatch(ISO_UTC);
        expect(typeof event.detail).toBe('object');
        expect([null, user.sessionId, second.sessionId]).toContain(event.sessionId);
      }
      const times = events.map((event) => ms(event.at));
      expect([...times].sort((x, y) => y - x)).toEqual(times);
      // Oldest to newest, these happened in this order.
      const types = events.map((event) => event.type).reverse();
      const order = [
        'user.registered',
        'login.succeeded',
        'token.refreshed',
        'login.failed',
        'session.revoked',
      ];
      let at = -1;
      for (const type of order) {
        const next = types.indexOf(type, at + 1);
        expect({ type, found: next > at }).toEqual({ type, found: true });
        at = next;
      }
      const refreshed = events.find((event) => event.type === 'token.refreshed');
      expect(refreshed).toMatchObject({
        sessionId: second.sessionId,
        ip: '127.0.0.1',
      });
      const loggedIn = events.find(
        (event) => event.type === 'login.succeeded' && event.sessionId === second.sessionId,
      );
      expect(loggedIn.userAgent).toBe('EventsAgent/3');

      const text = response.text;
      for (const secret of [
        PASSWORD,
        'wrong password 1',
        user.accessToken,
        user.refreshToken,
        user.refreshToken.split('.')[1],
        second.refreshToken.split('.')[1],
        rotated.body.refreshToken.split('.')[1],
        rotated.body.accessToken,
        stranger.sessionId,
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/\$argon2/);
    });

    it('needs an access token', async () => {
      expectProblem(await t.http.get('/auth/events'), 401, 'missing_token');
    });
  });
});

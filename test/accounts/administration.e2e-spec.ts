/**
 * Administration (docs/api.md, Accounts v1.1): GET /users pages, PATCH /users/:id and
 * DELETE /users/:id, DELETE /users/me. Disabling, removing a role and deleting stop the
 * user's live access tokens at once, on this instance and (on PostgreSQL) on a second one
 * sharing the database; an added role reaches the access token at the next refresh.
 */
import { countRows, refresh, rotate } from '../auth/helpers';
import { decodeJwt, expectProblem } from '../support/forge';
import { usingPostgres } from '../support/test-database';
import {
  login,
  PASSWORD,
  registerUser,
  startApp,
  TestApp,
  TokenResponse,
  uniqueEmail,
} from '../support/test-app';

const shared = usingPostgres();

type Registered = Awaited<ReturnType<typeof registerUser>>;

describe(`administration (${shared ? 'two instances, one PostgreSQL' : 'embedded: one instance'})`, () => {
  let a: TestApp;
  let b: TestApp;
  let admin: TokenResponse & { id: string };

  beforeAll(async () => {
    a = await startApp();
    b = shared ? await startApp({ db: a.db }) : a;
    const registered = await registerUser(a.http, uniqueEmail('admin'));
    await a.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [registered.user!.id]);
    admin = { ...(await login(a.http, registered.email)), id: registered.user!.id };
  });
  afterAll(async () => {
    if (b !== a) await b.close();
    await a.close();
  });

  const patch = (id: string, body: unknown, token = admin.accessToken) =>
    a.http.patch(`/users/${id}`, body, { token });
  const remove = (id: string, token = admin.accessToken) =>
    a.http.delete(`/users/${id}`, { token });

  /** The token works on both instances (each has verified and cached it). */
  async function expectLive(token: string) {
    for (const app of [a, b]) expect((await app.http.get('/auth/me', { token })).status).toBe(200);
  }

  /** The token is refused with session_revoked on both instances, right after the answer. */
  async function expectRevokedAtOnce(token: string) {
    for (const app of [a, b]) {
      expectProblem(await app.http.get('/auth/me', { token }), 401, 'session_revoked');
      expectProblem(await app.http.get('/notes', { token }), 401, 'session_revoked');
    }
  }

  /** Nothing of the user is left: the account, its sessions, notes, queued mails and links. */
  async function expectUserDataGone(id: string): Promise<void> {
    for (const [table, column] of [
      ['users', 'id'],
      ['sessions', 'user_id'],
      ['notes', 'user_id'],
      ['mail_outbox', 'user_id'],
      ['link_tokens', 'user_id'],
    ]) {
      expect(
        await countRows(a, `SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [id]),
      ).toBe(0);
    }
  }

  const eventsOf = async (userId: string, type: string) => {
    await new Promise((resolve) => setTimeout(resolve, 100)); // the audit log writes in batches
    return a.sql<{ detail: Record<string, string> }>(
      `SELECT detail FROM auth_events WHERE user_id = $1 AND type = $2`,
      [userId, type],
    );
  };

  describe('GET /users', () => {
    it('pages users newest first, in the admin view; the self view has no `disabled`', async () => {
      const users: Registered[] = [];
      for (let i = 0; i < 3; i++) users.push(await registerUser(a.http));
      const expected = await a.sql<{ id: string }>(
        `SELECT id FROM users ORDER BY created_at DESC, id DESC`,
      );
      const page = await a.http.get('/users?limit=2&offset=1', { token: admin.accessToken });
      expect(page.status).toBe(200);
      expect(page.body.map((u: { id: string }) => u.id)).toEqual(
        expected.slice(1, 3).map((row) => row.id),
      );
      const first = await a.http.get('/users?limit=1', { token: admin.accessToken });
      expect(first.body).toEqual([{ ...users[2].user, disabled: false }]);
      const self = await a.http.get('/users/me', { token: users[0].accessToken });
      expect(self.body).toEqual(users[0].user);
      expect(self.body).not.toHaveProperty('disabled');
      const beyond = await a.http.get('/users?offset=100000', { token: admin.accessToken });
      expect(beyond.status).toBe(200);
      expect(beyond.body).toEqual([]);
    });

    it('answers 50 by default and at most 200', async () => {
      await a.sql(
        `INSERT INTO users (email, password_hash)
         SELECT 'bulk-' || g || '-' || md5(random()::text) || '@example.com', 'x'
         FROM generate_series(1, 205) g`,
      );
      const total = await countRows(a, `SELECT count(*)::int AS n FROM users`);
      expect(total).toBeGreaterThan(200);
      const byDefault = await a.http.get('/users', { token: admin.accessToken });
      expect(byDefault.body).toHaveLength(50);
      const most = await a.http.get('/users?limit=200&offset=0', { token: admin.accessToken });
      expect(most.body).toHaveLength(200);
    });

    it.each([
      'limit=0',
      'limit=201',
      'limit=-1',
      'limit=1.5',
      'limit=abc',
      'limit=',
      'limit=1e2',
      'limit=1&limit=2',
      'offset=-1',
      'offset=0.5',
      'offset=x',
      'offset=99999999999999999999',
      'page=2',
    ])('?%s → 400 validation_failed', async (query) => {
      expectProblem(
        await a.http.get(`/users?${query}`, { token: admin.accessToken }),
        400,
        'validation_failed',
      );
    });

    it('is for administrators only', async () => {
      const user = await registerUser(a.http);
      expectProblem(await a.http.get('/users', { token: user.accessToken }), 403, 'forbidden');
      expectProblem(
        await patch(user.user!.id, { disabled: true }, user.accessToken),
        403,
        'forbidden',
      );
      expectProblem(await remove(admin.id, user.accessToken), 403, 'forbidden');
      expectProblem(await a.http.get('/users'), 401, 'missing_token');
    });
  });

  describe('PATCH /users/:id', () => {
    it('disabled: true stops every live access token at once (both instances) and refuses login', async () => {
      const user = await registerUser(a.http);
      const second = await login(b.http, user.email);
      await expectLive(user.accessToken);
      await expectLive(second.accessToken);

      const response = await patch(user.user!.id, { disabled: true });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ ...user.user, disabled: true });
      await expectRevokedAtOnce(user.accessToken);
      await expectRevokedAtOnce(second.accessToken);
      expectProblem(await refresh(a, user.refreshToken), 401, 'invalid_grant');
      expectProblem(await refresh(b, second.refreshToken), 401, 'invalid_grant');
      const reasons = await a.sql<{ revoke_reason: string }>(
        `SELECT revoke_reason FROM sessions WHERE user_id = $1`,
        [user.user!.id],
      );
      expect(reasons.map((row) => row.revoke_reason)).toEqual([
        'account_disabled',
        'account_disabled',
      ]);

      const right = await a.http.post('/auth/login', { email: user.email, password: PASSWORD });
      expectProblem(right, 403, 'account_disabled', [PASSWORD]);
      expect(right.headers.get('set-cookie')).toBeNull();
      const wrong = await a.http.post('/auth/login', { email: user.email, password: 'wrong one!' });
      expectProblem(wrong, 401, 'invalid_credentials');
      expect(
        await countRows(
          a,
          `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`,
          [user.user!.id],
        ),
      ).toBe(0);
      expect((await eventsOf(user.user!.id, 'account_disabled'))[0].detail).toEqual({
        actorId: admin.id,
      });

      const enabled = await patch(user.user!.id, { disabled: false });
      expect(enabled.status).toBe(200);
      expect(enabled.body.disabled).toBe(false);
      const again = await login(a.http, user.email);
      await expectLive(again.accessToken);
      expect(await eventsOf(user.user!.id, 'account_enabled')).toHaveLength(1);
    });

    it('a removed role stops every live access token at once (both instances)', async () => {
      const user = await registerUser(a.http);
      await a.sql(`UPDATE users SET roles = '{user,editor}' WHERE id = $1`, [user.user!.id]);
      const session = await login(b.http, user.email);
      expect(decodeJwt(session.accessToken).payload.roles).toEqual(['user', 'editor']);
      await expectLive(session.accessToken);

      const response = await patch(user.user!.id, { roles: ['user'] });
      expect(response.status).toBe(200);
      expect(response.body.roles).toEqual(['user']);
      await expectRevokedAtOnce(session.accessToken);
      await expectRevokedAtOnce(user.accessToken);
      expectProblem(await refresh(b, session.refreshToken), 401, 'invalid_grant');
      const fresh = await login(a.http, user.email);
      expect(decodeJwt(fresh.accessToken).payload.roles).toEqual(['user']);
      const [event] = await eventsOf(user.user!.id, 'roles_changed');
      expect(event.detail).toEqual({
        actorId: admin.id,
        roles: 'user',
        added: '',
        removed: 'editor',
      });
    });

    it('an added role appears from the next refresh; nothing is revoked', async () => {
      const user = await registerUser(a.http);
      const response = await patch(user.user!.id, { roles: ['user', 'editor', 'editor', 'user'] });
      expect(response.status).toBe(200);
      expect(response.body.roles).toEqual(['user', 'editor']); // de-duplicated
      await expectLive(user.accessToken);
      expect(decodeJwt(user.accessToken).payload.roles).toEqual(['user']);
      const refreshed = await rotate(b, user.refreshToken);
      expect(decodeJwt(refreshed.accessToken).payload.roles).toEqual(['user', 'editor']);
      const me = await a.http.get('/auth/me', { token: refreshed.accessToken });
      expect(me.body.roles).toEqual(['user', 'editor']);
    });

    it('refuses the caller’s own id (403) and unknown or malformed ids (404)', async () => {
      expectProblem(await patch(admin.id, { disabled: true }), 403, 'forbidden');
      expectProblem(await patch(admin.id.toUpperCase(), { roles: ['user'] }), 403, 'forbidden');
      expectProblem(await patch(admin.id, { roles: ['admin'] }), 403, 'forbidden');
      const [row] = await a.sql(`SELECT roles, disabled FROM users WHERE id = $1`, [admin.id]);
      expect(row).toEqual({ roles: ['user', 'admin'], disabled: false });
      await expectLive(admin.accessToken);
      for (const id of [
        '00000000-0000-4000-8000-000000000000',
        'not-a-uuid',
        'me',
        "1' OR '1'='1",
      ]) {
        expectProblem(await patch(encodeURIComponent(id), { disabled: true }), 404, 'not_found');
      }
      // Longer than the router takes for a parameter: 414, as for every other route.
      const long = await patch('x'.repeat(2000), { disabled: true });
      expectProblem(long, long.status === 414 ? 414 : 404);
    });

    it.each<[string, unknown]>([
      ['an empty body', {}],
      ['no body', undefined],
      ['an unknown field', { disabled: true, admin: true }],
      ['roles that are not an array', { roles: 'admin' }],
      ['roles: null', { roles: null }],
      ['an upper-case role', { roles: ['Admin'] }],
      ['a role that is not a string', { roles: [1] }],
      ['an over-long role', { roles: ['a'.repeat(33)] }],
      ['a role with spaces', { roles: ['a b'] }],
      ['too many roles', { roles: Array.from({ length: 33 }, (_, i) => `r${i}`) }],
      ['disabled as a string', { disabled: 'true' }],
      ['disabled: null', { disabled: null }],
      ['disabled as a number', { disabled: 1 }],
      ['an array body', [{ disabled: true }]],
    ])('%s → 400 validation_failed', async (_name, body) => {
      const user = await registerUser(a.http);
      expectProblem(await patch(user.user!.id, body), 400, 'validation_failed');
      await expectLive(user.accessToken);
    });

    it('a body that is not JSON → 4xx problem+json', async () => {
      const user = await registerUser(a.http);
      const response = await a.http.request('PATCH', `/users/${user.user!.id}`, {
        rawBody: 'disabled=true',
        token: admin.accessToken,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectProblem(response, 415, 'unsupported_media_type');
      const broken = await a.http.request('PATCH', `/users/${user.user!.id}`, {
        rawBody: '{"disabled": tru',
        token: admin.accessToken,
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(broken, 400, 'validation_failed');
    });
  });

  describe('DELETE /users/:id', () => {
    it('stops the access tokens at once, deletes every row, and frees the address', async () => {
      const user = await registerUser(a.http);
      const id = user.user!.id;
      const second = await login(b.http, user.email);
      const note = await a.http.post(
        '/notes',
        { title: 't', body: 'b' },
        { token: user.accessToken },
      );
      expect(note.status).toBe(201);
      await rotate(a, user.refreshToken);
      await expectLive(second.accessToken);

      // Registration queued a verification mail and a link: both must go with the user.
      for (const table of ['mail_outbox', 'link_tokens']) {
        expect(
          await countRows(a, `SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [id]),
        ).toBeGreaterThan(0);
      }
      const response = await remove(id);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      await expectRevokedAtOnce(user.accessToken);
      await expectRevokedAtOnce(second.accessToken);
      expectProblem(await refresh(b, second.refreshToken), 401, 'invalid_grant');
      await expectUserDataGone(id);
      expect(
        await countRows(
          a,
          `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = ANY($1::uuid[])`,
          [[user.sessionId, second.sessionId]],
        ),
      ).toBe(0);
      expect((await eventsOf(id, 'account_deleted'))[0].detail).toEqual({ actorId: admin.id });
      expectProblem(await remove(id), 404, 'not_found');
      expectProblem(await patch(id, { disabled: false }), 404, 'not_found');

      // The address registers again, as a new and empty account.
      const again = await registerUser(a.http, user.email);
      expect(again.user!.id).not.toBe(id);
      expect(again.user).toMatchObject({
        email: user.email,
        roles: ['user'],
        emailVerified: false,
      });
      const notes = await a.http.get('/notes', { token: again.accessToken });
      expect(notes.body).toEqual([]);
      const sessions = await a.http.get('/auth/sessions', { token: again.accessToken });
      expect(sessions.body).toHaveLength(1);
      expectProblem(
        await a.http.get('/auth/me', { token: user.accessToken }),
        401,
        'session_revoked',
      );
    });

    it('refuses the caller’s own id (403) and unknown or malformed ids (404)', async () => {
      expectProblem(await remove(admin.id), 403, 'forbidden');
      expect(
        await countRows(a, `SELECT count(*)::int AS n FROM users WHERE id = $1`, [admin.id]),
      ).toBe(1);
      await expectLive(admin.accessToken);
      expectProblem(await remove('00000000-0000-4000-8000-000000000000'), 404, 'not_found');
      expectProblem(await remove('nope'), 404, 'not_found');
      const long = await remove('x'.repeat(2000));
      expectProblem(long, long.status === 414 ? 414 : 404);
    });
  });

  describe('DELETE /users/me', () => {
    it('needs the password; then the account is gone and its tokens stop at once', async () => {
      const user = await registerUser(a.http);
      const id = user.user!.id;
      const second = await login(b.http, user.email);
      await a.http.post('/notes', { title: 't', body: 'b' }, { token: user.accessToken });

      const wrong = await a.http.delete('/users/me', {
        token: user.accessToken,
        body: { password: 'not the password' },
      });
      expectProblem(wrong, 401, 'invalid_credentials');
      await expectLive(user.accessToken);

      const response = await a.http.delete('/users/me', {
        token: user.accessToken,
        body: { password: PASSWORD },
      });
      expect(response.status).toBe(204);
      await expectRevokedAtOnce(user.accessToken);
      await expectRevokedAtOnce(second.accessToken);
      await expectUserDataGone(id);
      expect((await eventsOf(id, 'account_deleted'))[0].detail).toEqual({ actorId: id });
      const again = await registerUser(a.http, user.email);
      expect(again.user!.id).not.toBe(id);
    });

    it.each<[string, unknown]>([
      ['no body', undefined],
      ['an empty body', {}],
      ['a password that is not a string', { password: 12345678 }],
      ['an empty password', { password: '' }],
      ['an over-long password', { password: 'x'.repeat(257) }],
      ['an unknown field', { password: PASSWORD, force: true }],
    ])('%s → 400 validation_failed, nothing deleted', async (_name, body) => {
      const user = await registerUser(a.http);
      const response = await a.http.delete('/users/me', { token: user.accessToken, body });
      expectProblem(response, 400, 'validation_failed', [PASSWORD]);
      await expectLive(user.accessToken);
    });

    it('needs an access token', async () => {
      expectProblem(
        await a.http.delete('/users/me', { body: { password: PASSWORD } }),
        401,
        'missing_token',
      );
    });
  });
});

import { createPublicKey, verify } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { login, registerUser, startApp, TestApp } from '../support/test-app';
import { decodeJwt, expectProblem } from '../support/forge';
import { countRows, ISO_UTC, UUID } from './helpers';

describe('users, notes and the JWKS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  describe('GET /users/me', () => {
    it('answers the stored user, without any password field', async () => {
      const user = await registerUser(t.http);
      const response = await t.http.get('/users/me', { token: user.accessToken });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(user.user);
      expect(response.body).toEqual({
        id: expect.stringMatching(UUID),
        email: user.email,
        name: 'Test',
        roles: ['user'],
        createdAt: expect.stringMatching(ISO_UTC),
        emailVerified: false,
      });
      expect(response.text).not.toMatch(/password|argon2/i);
    });

    it('reads the database: a renamed user shows the new name with the old token', async () => {
      const user = await registerUser(t.http);
      await t.sql(`UPDATE users SET name = 'Renamed' WHERE id = $1`, [user.user!.id]);
      const response = await t.http.get('/users/me', { token: user.accessToken });
      expect(response.body.name).toBe('Renamed');
    });

    it('needs an access token', async () => {
      expectProblem(await t.http.get('/users/me'), 401, 'missing_token');
    });
  });

  describe('GET /users (admin only)', () => {
    it('answers 403 forbidden to a normal user', async () => {
      const user = await registerUser(t.http);
      expectProblem(await t.http.get('/users', { token: user.accessToken }), 403, 'forbidden');
    });

    it('answers 401 missing_token without a token', async () => {
      expectProblem(await t.http.get('/users'), 401, 'missing_token');
    });

    it('lists users to an admin (roles come from the token: log in again after the change)', async () => {
      const admin = await registerUser(t.http);
      const other = await registerUser(t.http);
      await t.sql(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [admin.user!.id]);
      // The old token still says "user".
      expectProblem(await t.http.get('/users', { token: admin.accessToken }), 403, 'forbidden');

      const fresh = await login(t.http, admin.email);
      expect(decodeJwt(fresh.accessToken).payload.roles).toEqual(['admin']);
      const me = await t.http.get('/auth/me', { token: fresh.accessToken });
      expect(me.body.roles).toEqual(['admin']);
      const response = await t.http.get('/users', { token: fresh.accessToken });
      expect(response.status).toBe(200);
      expect(Array.isArray(response.body)).toBe(true);
      const byId = new Map(response.body.map((u: { id: string }) => [u.id, u]));
      expect(byId.get(admin.user!.id)).toMatchObject({ email: admin.email, roles: ['admin'] });
      // The admin view (v1.1) is the self view plus `disabled`.
      expect(byId.get(other.user!.id)).toEqual({ ...other.user, disabled: false });
      expect(response.body.length).toBe(await countRows(t, `SELECT count(*)::int AS n FROM users`));
      for (const user of response.body) {
        expect(Object.keys(user).sort()).toEqual([
          'createdAt',
          'disabled',
          'email',
          'emailVerified',
          'id',
          'name',
          'roles',
        ]);
      }
      expect(response.text).not.toMatch(/password|argon2/i);
    });
  });

  describe('GET /.well-known/jwks.json', () => {
    it('publishes public keys only, each with kid, alg and use "sig", that verify our tokens', async () => {
      const response = await t.http.get('/.well-known/jwks.json');
      expect(response.status).toBe(200);
      const keys: Record<string, string>[] = response.body.keys;
      expect(keys.length).toBeGreaterThanOrEqual(1);
      for (const key of keys) {
        expect(key).toMatchObject({
          kid: expect.any(String),
          alg: 'ES256',
          use: 'sig',
          kty: 'EC',
          crv: 'P-256',
        });
        for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
          expect(key).not.toHaveProperty(privatePart);
        }
      }
      expect(new Set(keys.map((key) => key.kid)).size).toBe(keys.length);

      // The access token's kid is published, and that key verifies its signature.
      const user = await registerUser(t.http);
      const { header } = decodeJwt(user.accessToken);
      const jwk = keys.find((key) => key.kid === header.kid);
      expect(jwk).toBeDefined();
      const [h, p, s] = user.accessToken.split('.');
      const publicKey = createPublicKey({ key: jwk as any, format: 'jwk' });
      expect(
        verify(
          'sha256',
          Buffer.from(`${h}.${p}`),
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          Buffer.from(s, 'base64url'),
        ),
      ).toBe(true);
    });
  });

  describe('notes (a feature module behind AccessTokenGuard)', () => {
    it("creates, lists, reads and deletes the caller's own notes", async () => {
      const user = await registerUser(t.http);
      const token = user.accessToken;
      const created = await t.http.post('/notes', { title: 'First', body: 'one' }, { token });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(UUID),
        title: 'First',
        body: 'one',
        createdAt: expect.stringMatching(ISO_UTC),
      });
      const second = await t.http.post('/notes', { title: 'Second', body: '' }, { token });
      expect(second.status).toBe(201);
      const [row] = await t.sql(`SELECT user_id, title, body FROM notes WHERE id = $1`, [
        created.body.id,
      ]);
      expect(row).toEqual({ user_id: user.user!.id, title: 'First', body: 'one' });

      const list = await t.http.get('/notes', { token });
      expect(list.status).toBe(200);
      expect(list.body.map((note: { id: string }) => note.id).sort()).toEqual(
        [created.body.id, second.body.id].sort(),
      );

      const one = await t.http.get(`/notes/${created.body.id}`, { token });
      expect(one.status).toBe(200);
      expect(one.body).toEqual(created.body);

      const removed = await t.http.delete(`/notes/${created.body.id}`, { token });
      expect(removed.status).toBe(204);
      expect(
        await countRows(t, `SELECT count(*)::int AS n FROM notes WHERE id = $1`, [created.body.id]),
      ).toBe(0);
      expectProblem(await t.http.get(`/notes/${created.body.id}`, { token }), 404, 'not_found');
      expectProblem(await t.http.delete(`/notes/${created.body.id}`, { token }), 404, 'not_found');
    });

    it("answers 404 for another user's note on GET and DELETE, and never lists it", async () => {
      const owner = await registerUser(t.http);
      const intruder = await registerUser(t.http);
      const note = await t.http.post(
        '/notes',
        { title: 'Private', body: 'secret' },
        { token: owner.accessToken },
      );
      expect(note.status).toBe(201);
      const id = note.body.id;
      expectProblem(
        await t.http.get(`/notes/${id}`, { token: intruder.accessToken }),
        404,
        'not_found',
      );
      expectProblem(
        await t.http.delete(`/notes/${id}`, { token: intruder.accessToken }),
        404,
        'not_found',
      );
      const intruderList = await t.http.get('/notes', { token: intruder.accessToken });
      expect(intruderList.status).toBe(200);
      expect(intruderList.body).toEqual([]);
      expect(await countRows(t, `SELECT count(*)::int AS n FROM notes WHERE id = $1`, [id])).toBe(
        1,
      );
      expect((await t.http.get(`/notes/${id}`, { token: owner.accessToken })).status).toBe(200);
    });

    it('answers 404 for an unknown or non-uuid note id', async () => {
      const user = await registerUser(t.http);
      for (const id of [randomUUID(), 'nope']) {
        expectProblem(
          await t.http.get(`/notes/${id}`, { token: user.accessToken }),
          404,
          'not_found',
        );
      }
    });

    it('validates the note body', async () => {
      const user = await registerUser(t.http);
      const response = await t.http.post(
        '/notes',
        { title: '', body: 'x', extra: 1 },
        { token: user.accessToken },
      );
      expectProblem(response, 400, 'validation_failed');
      const fields = response.body.errors.map((error: { field: string }) => error.field);
      expect(fields).toEqual(expect.arrayContaining(['title', 'extra']));
    });

    it('needs a live access token', async () => {
      expectProblem(await t.http.get('/notes'), 401, 'missing_token');
      expectProblem(await t.http.post('/notes', { title: 'a', body: 'b' }), 401, 'missing_token');
      const user = await registerUser(t.http);
      expect(
        (await t.http.post('/auth/logout', undefined, { token: user.accessToken })).status,
      ).toBe(204);
      expectProblem(
        await t.http.post('/notes', { title: 'a', body: 'b' }, { token: user.accessToken }),
        401,
        'session_revoked',
      );
      expect(
        await countRows(t, `SELECT count(*)::int AS n FROM notes WHERE user_id = $1`, [
          user.user!.id,
        ]),
      ).toBe(0);
    });
  });
});

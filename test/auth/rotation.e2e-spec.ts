import { randomUUID } from 'node:crypto';
import { registerUser, login, sleep, startApp, TestApp } from '../support/test-app';
import { decodeJwt, expectProblem } from '../support/forge';
import { tokenId } from '../support/refresh-token';
import {
  childCount,
  countRows,
  expectSessionRevoked,
  expectTokenResponse,
  ms,
  refresh,
  rotate,
  sessionRow,
  tokenRow,
} from './helpers';

describe('refresh token rotation (default grace of 10 s)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('returns a new pair, spends the old token and links exactly one child to it', async () => {
    const user = await registerUser(t.http);
    const before = await sessionRow(t, user.sessionId);
    await sleep(20);

    const response = await refresh(t, user.refreshToken);
    expect(response.status).toBe(200);
    expectTokenResponse(response.body);
    const next = response.body;
    expect(next).not.toHaveProperty('user');
    expect(next.sessionId).toBe(user.sessionId);
    expect(next.refreshToken).not.toBe(user.refreshToken);
    expect(next.accessToken).not.toBe(user.accessToken);
    expect(next.expiresIn).toBe(900);
    const claims = decodeJwt(next.accessToken).payload;
    expect(claims).toMatchObject({ sub: user.user!.id, sid: user.sessionId, roles: ['user'] });
    expect(claims.jti).not.toBe(decodeJwt(user.accessToken).payload.jti);

    // Rows: the old token is spent, it has exactly one child, the child is current.
    const old = await tokenRow(t, user.refreshToken);
    expect(old.rotated_at).not.toBeNull();
    const children = await t.sql(
      `SELECT id, session_id, rotated_at FROM refresh_tokens WHERE parent_id = $1`,
      [old.id],
    );
    expect(children).toEqual([
      { id: tokenId(next.refreshToken), session_id: user.sessionId, rotated_at: null },
    ]);
    expect(
      await countRows(t, `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`, [
        user.sessionId,
      ]),
    ).toBe(2);

    // The idle expiry slid forward; the absolute expiry did not move.
    const after = await sessionRow(t, user.sessionId);
    expect(ms(after.idle_expires_at)).toBeGreaterThan(ms(before.idle_expires_at));
    expect(ms(after.absolute_expires_at)).toBe(ms(before.absolute_expires_at));
    expect(ms(after.last_used_at)).toBeGreaterThan(ms(before.last_used_at));
    expect(ms((await tokenRow(t, next.refreshToken)).expires_at)).toBe(ms(after.idle_expires_at));

    // Both the new access token and the new refresh token work.
    expect((await t.http.get('/auth/me', { token: next.accessToken })).status).toBe(200);
    expect((await refresh(t, next.refreshToken)).status).toBe(200);
  });

  it('within the grace window, replaying the immediate parent returns the SAME successor and a fresh access token', async () => {
    const user = await registerUser(t.http);
    const first = await rotate(t, user.refreshToken);
    const replay = await refresh(t, user.refreshToken);
    expect(replay.status).toBe(200);
    expectTokenResponse(replay.body);
    expect(replay.body.refreshToken).toBe(first.refreshToken);
    expect(replay.body.sessionId).toBe(user.sessionId);
    expect(replay.body.accessToken).not.toBe(first.accessToken);
    expect(decodeJwt(replay.body.accessToken).payload.jti).not.toBe(
      decodeJwt(first.accessToken).payload.jti,
    );
    expect((await t.http.get('/auth/me', { token: replay.body.accessToken })).status).toBe(200);

    // No second branch: still one child, two rows in the chain, the session untouched.
    expect(await childCount(t, user.refreshToken)).toBe(1);
    expect(
      await countRows(t, `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`, [
        user.sessionId,
      ]),
    ).toBe(2);
    const session = await sessionRow(t, user.sessionId);
    expect(session.revoked_at).toBeNull();

    // The shared successor is still current and rotates normally.
    const third = await rotate(t, first.refreshToken);
    expect(third.refreshToken).not.toBe(first.refreshToken);
    expect(await childCount(t, first.refreshToken)).toBe(1);
  });

  it('within the grace window, replaying the grandparent is reuse: 401 refresh_token_reused, session revoked', async () => {
    const user = await registerUser(t.http);
    const other = await login(t.http, user.email);
    const child = await rotate(t, user.refreshToken);
    const grandchild = await rotate(t, child.refreshToken);

    const replay = await refresh(t, user.refreshToken);
    expectProblem(replay, 401, 'refresh_token_reused');
    await expectSessionRevoked(t, user.sessionId, 'refresh_token_reused');

    expectProblem(await refresh(t, grandchild.refreshToken), 401, [
      'invalid_grant',
      'refresh_token_reused',
    ]);
    for (const token of [user.accessToken, child.accessToken, grandchild.accessToken]) {
      expectProblem(await t.http.get('/auth/me', { token }), 401, 'session_revoked');
    }
    // Nothing new was minted, and the user's other session is unaffected.
    expect(await childCount(t, user.refreshToken)).toBe(1);
    expect(await childCount(t, grandchild.refreshToken)).toBe(0);
    expect((await t.http.get('/auth/me', { token: other.accessToken })).status).toBe(200);
    expect((await sessionRow(t, other.sessionId)).revoked_at).toBeNull();
  });

  it('refuses unknown, malformed and wrong-secret refresh tokens with invalid_grant, spending nothing', async () => {
    const user = await registerUser(t.http);
    const [id, secret] = user.refreshToken.split('.');
    const flipped = `${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
    for (const refreshToken of [
      `${id}.${flipped}`,
      `${randomUUID()}.${secret}`,
      'not-a-token',
      `${id}.`,
    ]) {
      expectProblem(await refresh(t, refreshToken), 401, 'invalid_grant');
    }
    // An access token is no refresh token (refused by the body's length rule or as a grant).
    const swapped = await refresh(t, user.accessToken);
    expectProblem(swapped, swapped.status === 400 ? 400 : 401, [
      'validation_failed',
      'invalid_grant',
    ]);
    expectProblem(await t.http.post('/auth/refresh', {}), 401, 'invalid_grant');
    expectProblem(await t.http.post('/auth/refresh'), 401, 'invalid_grant');
    expect((await tokenRow(t, user.refreshToken)).rotated_at).toBeNull();
    expect((await sessionRow(t, user.sessionId)).revoked_at).toBeNull();
    expect((await refresh(t, user.refreshToken)).status).toBe(200);
  });

  it('refuses a non-string refreshToken (a body error or a bad grant, never a success)', async () => {
    for (const refreshToken of [12345, ['a'], { id: 1 }, null]) {
      const response = await t.http.post('/auth/refresh', { refreshToken });
      // The contract allows either reading: a body that fails validation, or a malformed grant.
      expectProblem(response, response.status === 400 ? 400 : 401, [
        'validation_failed',
        'invalid_grant',
      ]);
    }
  });

  it('refuses the refresh token of a revoked session with invalid_grant', async () => {
    const user = await registerUser(t.http);
    expect((await t.http.post('/auth/logout', undefined, { token: user.accessToken })).status).toBe(
      204,
    );
    expectProblem(await refresh(t, user.refreshToken), 401, 'invalid_grant');
    expect(await childCount(t, user.refreshToken)).toBe(0);
  });

  it('carries roles changed in the database into the next access token', async () => {
    const user = await registerUser(t.http);
    await t.sql(`UPDATE users SET roles = '{admin}' WHERE id = $1`, [user.user!.id]);
    const next = await rotate(t, user.refreshToken);
    expect(decodeJwt(next.accessToken).payload.roles).toEqual(['admin']);
    expect((await t.http.get('/users', { token: next.accessToken })).status).toBe(200);
  });

  it('survives 200 chained rotations on one session, leaving a 201-row chain', async () => {
    const user = await registerUser(t.http);
    const absolute = ms((await sessionRow(t, user.sessionId)).absolute_expires_at);
    let current = user.refreshToken;
    const seen = new Set([current]);
    for (let i = 0; i < 200; i++) {
      const response = await refresh(t, current);
      expect({ i, status: response.status }).toEqual({ i, status: 200 });
      current = response.body.refreshToken;
      seen.add(current);
    }
    expect(seen.size).toBe(201);
    expect(
      await countRows(t, `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`, [
        user.sessionId,
      ]),
    ).toBe(201);
    // One unbroken chain from the first token to the last: walk it in the database.
    const chain = await t.sql(
      `WITH RECURSIVE chain AS (
         SELECT id, rotated_at, 1 AS depth FROM refresh_tokens WHERE id = $1 AND parent_id IS NULL
         UNION ALL
         SELECT t.id, t.rotated_at, chain.depth + 1 FROM refresh_tokens t
         JOIN chain ON t.parent_id = chain.id
       )
       SELECT count(*)::int AS n, max(depth) AS depth,
              count(*) FILTER (WHERE rotated_at IS NULL)::int AS current,
              (SELECT id FROM chain ORDER BY depth DESC LIMIT 1) AS last
       FROM chain`,
      [tokenId(user.refreshToken)],
    );
    expect(chain[0]).toMatchObject({ n: 201, depth: 201, current: 1, last: tokenId(current) });
    expect(
      await countRows(
        t,
        `SELECT count(*)::int AS n FROM (SELECT parent_id FROM refresh_tokens
         WHERE session_id = $1 AND parent_id IS NOT NULL GROUP BY parent_id HAVING count(*) > 1) x`,
        [user.sessionId],
      ),
    ).toBe(0);
    const session = await sessionRow(t, user.sessionId);
    expect(session.revoked_at).toBeNull();
    expect(ms(session.absolute_expires_at)).toBe(absolute);
  });
});

describe('reuse detection with AUTH_REUSE_GRACE=0', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_REUSE_GRACE: '0' } });
  });
  afterAll(() => t.close());

  it('a replayed spent token gives 401 refresh_token_reused and revokes the whole session', async () => {
    const user = await registerUser(t.http);
    const other = await login(t.http, user.email);
    const next = await rotate(t, user.refreshToken);
    expect((await t.http.get('/auth/me', { token: next.accessToken })).status).toBe(200);

    const replay = await refresh(t, user.refreshToken);
    expectProblem(replay, 401, 'refresh_token_reused');
    expect(replay.text).not.toContain(user.refreshToken);

    await expectSessionRevoked(t, user.sessionId, 'refresh_token_reused');

    // The current refresh token and every access token of the session stop working.
    expectProblem(await refresh(t, next.refreshToken), 401, [
      'invalid_grant',
      'refresh_token_reused',
    ]);
    for (const token of [next.accessToken, user.accessToken]) {
      expectProblem(await t.http.get('/auth/me', { token }), 401, 'session_revoked');
      expectProblem(await t.http.get('/notes', { token }), 401, 'session_revoked');
    }
    // No second branch was created.
    expect(await childCount(t, user.refreshToken)).toBe(1);
    expect(await childCount(t, next.refreshToken)).toBe(0);

    // Only that session: the user's other session lives, and its events show the detection.
    expect((await t.http.get('/auth/me', { token: other.accessToken })).status).toBe(200);
    const events = await t.http.get('/auth/events', { token: other.accessToken });
    expect(events.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'token.reuse_detected', sessionId: user.sessionId }),
        expect.objectContaining({
          type: 'session.revoked',
          sessionId: user.sessionId,
          detail: { reason: 'refresh_token_reused' },
        }),
      ]),
    );
  });

  it('an immediate replay of the parent is reuse too when the grace is 0', async () => {
    const user = await registerUser(t.http);
    const next = await rotate(t, user.refreshToken);
    expectProblem(await refresh(t, user.refreshToken), 401, 'refresh_token_reused');
    expectProblem(
      await t.http.get('/auth/me', { token: next.accessToken }),
      401,
      'session_revoked',
    );
    expect((await sessionRow(t, user.sessionId)).revoke_reason).toBe('refresh_token_reused');
  });

  it('replaying again after the revocation still answers 401 and mints nothing', async () => {
    const user = await registerUser(t.http);
    const next = await rotate(t, user.refreshToken);
    expectProblem(await refresh(t, user.refreshToken), 401, 'refresh_token_reused');
    const revokedAt = ms((await sessionRow(t, user.sessionId)).revoked_at!);
    expectProblem(await refresh(t, user.refreshToken), 401, [
      'invalid_grant',
      'refresh_token_reused',
    ]);
    expectProblem(await refresh(t, next.refreshToken), 401, [
      'invalid_grant',
      'refresh_token_reused',
    ]);
    expect(ms((await sessionRow(t, user.sessionId)).revoked_at!)).toBe(revokedAt);
    expect(
      await countRows(t, `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`, [
        user.sessionId,
      ]),
    ).toBe(2);
  });
});

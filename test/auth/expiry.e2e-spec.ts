import { login, registerUser, sleep, startApp, TestApp, TokenResponse } from '../support/test-app';
import { accessClaims, decodeJwt, devSigningKey, expectProblem, signJwt } from '../support/forge';
import { ms, refresh, rotate, sessionRow, sleepUntil, tokenRow } from './helpers';

// Short lifetimes and real (short) sleeps. Every sleep stays well under 6 s; the assertions
// are on answers and rows, never on how long anything took.

describe('idle and absolute session expiry (AUTH_REFRESH_TTL=3, AUTH_SESSION_MAX_AGE=6)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_REFRESH_TTL: '3', AUTH_SESSION_MAX_AGE: '6' } });
  });
  afterAll(() => t.close());

  it('an unused session dies after the idle lifetime: invalid_grant, and it is no longer listed', async () => {
    const user = await registerUser(t.http);
    expect(user.refreshExpiresIn).toBeLessThanOrEqual(3);
    const row = await sessionRow(t, user.sessionId);
    expect(ms(row.absolute_expires_at) - ms(row.created_at)).toBe(6000);
    expect(ms(row.idle_expires_at) - ms(row.created_at)).toBe(3000);

    await sleep(3500);
    // A second session, opened now, is still alive and can list sessions.
    const fresh = await login(t.http, user.email);
    expectProblem(await refresh(t, user.refreshToken), 401, 'invalid_grant');
    expect((await tokenRow(t, user.refreshToken)).rotated_at).toBeNull();
    const listed = await t.http.get('/auth/sessions', { token: fresh.accessToken });
    expect(listed.status).toBe(200);
    expect(listed.body.map((s: { id: string }) => s.id)).toEqual([fresh.sessionId]);
    expect((await refresh(t, fresh.refreshToken)).status).toBe(200);
  });

  it('each refresh slides the idle expiry, but never past the absolute expiry, which never moves', async () => {
    const user = await registerUser(t.http);
    const start = Date.now();
    const initial = await sessionRow(t, user.sessionId);
    const absolute = ms(initial.absolute_expires_at);
    let token = user.refreshToken;

    // ~1.5 s: refresh; idle moves from created+3 to about now+3.
    await sleepUntil(start + 1500);
    const first = await rotate(t, token);
    token = first.refreshToken;
    const afterFirst = await sessionRow(t, user.sessionId);
    expect(ms(afterFirst.idle_expires_at)).toBeGreaterThan(ms(initial.idle_expires_at));
    expect(ms(afterFirst.absolute_expires_at)).toBe(absolute);

    // ~3.3 s: past the first idle expiry (created + 3 s, and created < start), so only the
    // slide keeps the session alive.
    await sleepUntil(start + 3300);
    const second = await rotate(t, token);
    token = second.refreshToken;
    const afterSecond = await sessionRow(t, user.sessionId);
    // now + 3 s would pass the absolute expiry: the idle expiry is capped at it.
    expect(ms(afterSecond.idle_expires_at)).toBe(absolute);
    expect(ms(afterSecond.absolute_expires_at)).toBe(absolute);
    expect(ms((await tokenRow(t, token)).expires_at)).toBeLessThanOrEqual(absolute);

    // ~4.5 s: still inside the absolute lifetime.
    await sleepUntil(start + 4500);
    const third = await rotate(t, token);
    token = third.refreshToken;
    expect(third.refreshExpiresIn).toBeLessThanOrEqual(2);
    expect(ms((await sessionRow(t, user.sessionId)).idle_expires_at)).toBe(absolute);

    // Past the absolute expiry (an uncapped idle expiry would still be in the future).
    await sleepUntil(absolute + 400);
    expectProblem(await refresh(t, token), 401, 'invalid_grant');
    const final = await sessionRow(t, user.sessionId);
    expect(ms(final.absolute_expires_at)).toBe(absolute);
    expect((await tokenRow(t, token)).rotated_at).toBeNull();
  });
});

describe('the grace window closes (AUTH_REUSE_GRACE=2)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_REUSE_GRACE: '2' } });
  });
  afterAll(() => t.close());

  it('replaying the parent inside the window gets the same successor; after it, reuse', async () => {
    const user = await registerUser(t.http);
    const next = await rotate(t, user.refreshToken);
    const replay = await refresh(t, user.refreshToken);
    expect(replay.status).toBe(200);
    expect(replay.body.refreshToken).toBe(next.refreshToken);

    await sleep(3000);
    expectProblem(await refresh(t, user.refreshToken), 401, 'refresh_token_reused');
    const session = await sessionRow(t, user.sessionId);
    expect(session.revoke_reason).toBe('refresh_token_reused');
    expectProblem(
      await t.http.get('/auth/me', { token: next.accessToken }),
      401,
      'session_revoked',
    );
    expectProblem(await refresh(t, next.refreshToken), 401, [
      'invalid_grant',
      'refresh_token_reused',
    ]);
  });
});

describe('access token expiry (AUTH_ACCESS_TTL=1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_ACCESS_TTL: '1' } });
  });
  afterAll(() => t.close());

  it('issues tokens that live AUTH_ACCESS_TTL seconds', async () => {
    const user = await registerUser(t.http);
    expect(user.expiresIn).toBe(1);
    const { payload } = decodeJwt(user.accessToken);
    expect(payload.exp - payload.iat).toBe(1);
    const me = await t.http.get('/auth/me', { token: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.expiresAt).toBe(new Date(payload.exp * 1000).toISOString());
    const next = await rotate(t, user.refreshToken);
    expect(next.expiresIn).toBe(1);
  });

  // The contract allows a clock leeway of at most 30 s, so a token that expired minutes ago
  // must be refused. It is forged with the service's own key (sleeping 30 s is not an option).
  it.each([
    ['5 minutes', 300],
    ['31 seconds', 31],
    ['1 day', 86_400],
  ])('answers 401 token_expired for a well-signed token expired %s ago', async (_what, ago) => {
    const user = await registerUser(t.http);
    const key = await devSigningKey(t);
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', typ: 'at+jwt', kid: key.kid };
    const sign = (exp: number) =>
      signJwt(header, accessClaims(user.user!.id, user.sessionId, { iat: exp - 1, exp }), {
        kind: 'es256',
        key: key.privateKey,
      });

    // The same forgery, unexpired, is accepted: only the expiry differs.
    expect((await t.http.get('/auth/me', { token: sign(now + 60) })).status).toBe(200);

    const expired = sign(now - ago);
    for (const path of ['/auth/me', '/notes', '/users/me', '/auth/sessions']) {
      expectProblem(await t.http.get(path, { token: expired }), 401, 'token_expired');
    }
    expectProblem(
      await t.http.post('/auth/logout-all', undefined, { token: expired }),
      401,
      'token_expired',
    );
    expect((await sessionRow(t, user.sessionId)).revoked_at).toBeNull();
  });

  it('an expired token whose session was revoked is still refused', async () => {
    const user = await registerUser(t.http);
    const key = await devSigningKey(t);
    const now = Math.floor(Date.now() / 1000);
    expect((await t.http.post('/auth/logout', undefined, { token: user.accessToken })).status).toBe(
      204,
    );
    const expired = signJwt(
      { alg: 'ES256', typ: 'at+jwt', kid: key.kid },
      accessClaims(user.user!.id, user.sessionId, { iat: now - 600, exp: now - 300 }),
      { kind: 'es256', key: key.privateKey },
    );
    expectProblem(await t.http.get('/auth/me', { token: expired }), 401, [
      'token_expired',
      'session_revoked',
    ]);
  });
});

/** exp is never past the session's end (to the second), and expiresIn is exactly exp - iat. */
async function expectCapped(t: TestApp, body: TokenResponse, end: 'absolute' | 'idle') {
  const { payload } = decodeJwt(body.accessToken);
  const row = await sessionRow(t, body.sessionId);
  const endsAt = ms(end === 'absolute' ? row.absolute_expires_at : row.idle_expires_at);
  expect(payload.exp * 1000).toBeLessThanOrEqual(endsAt);
  expect(payload.exp * 1000).toBeGreaterThan(endsAt - 5000); // capped, not cut short
  expect(body.expiresIn).toBe(payload.exp - payload.iat);
  const me = await t.http.get('/auth/me', { token: body.accessToken });
  expect(me.body.expiresAt).toBe(new Date(payload.exp * 1000).toISOString());
}

describe('an access token never outlives its session (AUTH_SESSION_MAX_AGE=60, AUTH_ACCESS_TTL=900)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_SESSION_MAX_AGE: '60', AUTH_ACCESS_TTL: '900' } });
  });
  afterAll(() => t.close());

  it('register, login, refresh and a grace replay all cap exp at the absolute expiry', async () => {
    const user = await registerUser(t.http);
    expect(user.expiresIn).toBeLessThanOrEqual(60);
    await expectCapped(t, user, 'absolute');

    const session = await login(t.http, user.email);
    expect(session.expiresIn).toBeLessThanOrEqual(60);
    await expectCapped(t, session, 'absolute');

    await sleep(1100); // the successor's cap is a second closer
    const next = await rotate(t, session.refreshToken);
    expect(next.expiresIn).toBeLessThanOrEqual(59);
    await expectCapped(t, next, 'absolute');

    const replay = await rotate(t, session.refreshToken); // inside AUTH_REUSE_GRACE
    expect(replay.refreshToken).toBe(next.refreshToken);
    await expectCapped(t, replay, 'absolute');
  });
});

describe('nor its idle expiry (AUTH_REFRESH_TTL=30, AUTH_ACCESS_TTL=900)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_REFRESH_TTL: '30', AUTH_ACCESS_TTL: '900' } });
  });
  afterAll(() => t.close());

  it('caps exp at the refresh token expiry, when the session would die idle first', async () => {
    const user = await registerUser(t.http);
    expect(user.expiresIn).toBeLessThanOrEqual(30);
    await expectCapped(t, user, 'idle');
    await expectCapped(t, await rotate(t, user.refreshToken), 'idle');
  });
});

describe('a long session keeps the full access lifetime (AUTH_ACCESS_TTL=900)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_ACCESS_TTL: '900' } });
  });
  afterAll(() => t.close());

  it('expiresIn is AUTH_ACCESS_TTL', async () => {
    const user = await registerUser(t.http);
    expect(user.expiresIn).toBe(900);
    const { payload } = decodeJwt(user.accessToken);
    expect(payload.exp - payload.iat).toBe(900);
  });
});

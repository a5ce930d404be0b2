import { PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';
import { expectProblem } from '../support/forge';
import { refreshCookie } from '../support/refresh-token';
import { expectTokenResponse, sessionRow, tokenRow } from './helpers';

const byCookie = (t: TestApp, token: string, headers: Record<string, string> = {}) =>
  t.http.post('/auth/refresh', undefined, {
    headers: { cookie: `refresh_token=${token}`, ...headers },
  });

describe('refresh cookie (AUTH_REFRESH_TRANSPORT=both, the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('register, login and refresh set an HttpOnly, SameSite=Strict cookie on /auth', async () => {
    const email = uniqueEmail();
    const register = await t.http.post('/auth/register', { email, password: PASSWORD });
    const login = await t.http.post('/auth/login', { email, password: PASSWORD });
    const refresh = await t.http.post('/auth/refresh', {
      refreshToken: login.body.refreshToken,
    });
    for (const response of [register, login, refresh]) {
      const cookie = refreshCookie(response);
      expect(cookie).toBeDefined();
      expect(cookie!.value).toBe(response.body.refreshToken);
      expect(cookie!.attributes.httponly).toBe(true);
      expect(String(cookie!.attributes.samesite).toLowerCase()).toBe('strict');
      expect(cookie!.attributes.path).toBe('/auth');
      expect(Number(cookie!.attributes['max-age'])).toBe(response.body.refreshExpiresIn);
      expect('secure' in cookie!.attributes).toBe(false); // NODE_ENV=test, AUTH_COOKIE_SECURE unset
    }
  });

  it('refreshes by cookie with X-Requested-With or our own Origin, rotating it', async () => {
    const user = await registerUser(t.http);
    const first = await byCookie(t, user.refreshToken, { 'x-requested-with': 'XMLHttpRequest' });
    expect(first.status).toBe(200);
    expectTokenResponse(first.body);
    expect(refreshCookie(first)!.value).toBe(first.body.refreshToken);
    expect((await tokenRow(t, user.refreshToken)).rotated_at).not.toBeNull();

    const second = await byCookie(t, first.body.refreshToken, { origin: t.url });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
  });

  it.each([
    ['no Origin and no X-Requested-With', {}],
    ['a foreign Origin', { origin: 'https://evil.example' }],
    [
      'a foreign Origin, even with X-Requested-With',
      {
        origin: 'https://evil.example',
        'x-requested-with': 'XMLHttpRequest',
      },
    ],
    ['the literal Origin "null"', { origin: 'null' }],
  ])(
    'refuses a cookie-authenticated refresh with %s: 403 forbidden, token not spent',
    async (_what, headers) => {
      const user = await registerUser(t.http);
      const response = await byCookie(t, user.refreshToken, headers);
      expectProblem(response, 403, 'forbidden');
      expect((await tokenRow(t, user.refreshToken)).rotated_at).toBeNull();
      expect((await sessionRow(t, user.sessionId)).revoked_at).toBeNull();
      // The token is intact: a proper request still rotates it.
      expect((await t.http.post('/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(
        200,
      );
    },
  );

  it('logs out by cookie (same-site) and clears it; a cross-site cookie logout is refused', async () => {
    const user = await registerUser(t.http);
    const crossSite = await t.http.post('/auth/logout', undefined, {
      headers: { cookie: `refresh_token=${user.refreshToken}`, origin: 'https://evil.example' },
    });
    expectProblem(crossSite, 403, 'forbidden');
    expect((await sessionRow(t, user.sessionId)).revoked_at).toBeNull();

    const response = await t.http.post('/auth/logout', undefined, {
      headers: { cookie: `refresh_token=${user.refreshToken}`, 'x-requested-with': 'fetch' },
    });
    expect(response.status).toBe(204);
    const cleared = refreshCookie(response);
    expect(cleared).toBeDefined();
    expect(cleared!.value).toBe('');
    const expires = cleared!.attributes.expires;
    const maxAge = cleared!.attributes['max-age'];
    expect(
      maxAge === '0' || (typeof expires === 'string' && Date.parse(expires) <= Date.now()),
    ).toBe(true);
    const row = await sessionRow(t, user.sessionId);
    expect(row.revoke_reason).toBe('logout');
    expectProblem(
      await t.http.get('/auth/me', { token: user.accessToken }),
      401,
      'session_revoked',
    );
  });

  it('a refresh token in the body wins over the cookie', async () => {
    const a = await registerUser(t.http);
    const b = await registerUser(t.http);
    const response = await t.http.post(
      '/auth/refresh',
      { refreshToken: a.refreshToken },
      { headers: { cookie: `refresh_token=${b.refreshToken}` } },
    );
    expect(response.status).toBe(200);
    expect(response.body.sessionId).toBe(a.sessionId);
    expect((await tokenRow(t, b.refreshToken)).rotated_at).toBeNull();
  });
});

describe('refresh cookie only (AUTH_REFRESH_TRANSPORT=cookie, CORS_ORIGINS set)', () => {
  let t: TestApp;
  const allowed = 'https://app.example.com';
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_REFRESH_TRANSPORT: 'cookie', CORS_ORIGINS: allowed } });
  });
  afterAll(() => t.close());

  it('leaves the refresh token out of the JSON body and carries it in the cookie', async () => {
    const email = uniqueEmail();
    const register = await t.http.post('/auth/register', { email, password: PASSWORD });
    expect(register.status).toBe(201);
    expect(register.body).not.toHaveProperty('refreshToken');
    expect(register.body.accessToken).toEqual(expect.any(String));
    const token = refreshCookie(register)!.value;
    expect(token).toMatch(/^[A-Za-z0-9._~-]+$/);

    const refreshed = await byCookie(t, token, { origin: allowed });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).not.toHaveProperty('refreshToken');
    const next = refreshCookie(refreshed)!.value;
    expect(next).not.toBe(token);
    expect((await tokenRow(t, token)).rotated_at).not.toBeNull();

    expectProblem(
      await byCookie(t, next, { origin: 'https://other.example.com' }),
      403,
      'forbidden',
    );
    expect((await tokenRow(t, next)).rotated_at).toBeNull();
  });
});

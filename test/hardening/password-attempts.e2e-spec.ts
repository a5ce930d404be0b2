/**
 * Password checks under pressure: a burst of guesses cannot outrun the lockout, the password
 * change is a guessing oracle no more (rate limit and lockout), the hashing queue is bounded
 * (503 at once instead of an endless line), and a password change racing a login or a
 * re-hash never loses.
 */
import { PasswordHasher } from '../../src/auth/passwords/password-hasher';
import { expectProblem } from '../support/forge';
import { login, PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';

const WRONG = 'wrong password!';
const NEW_PASSWORD = 'a brand new passphrase';

const statusCounts = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((counts, status) => {
    counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }, {});

describe('lockout against a burst', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_LOCKOUT_THRESHOLD: '5' } });
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['an account', true],
    ['an email without an account', false],
  ])(
    '50 simultaneous wrong logins for %s verify at most 5 passwords',
    async (_what, withAccount) => {
      const email = withAccount ? (await registerUser(t.http)).email : uniqueEmail('ghost');
      const verify = jest.spyOn(t.app.get(PasswordHasher), 'verify');
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => t.http.post('/auth/login', { email, password: WRONG })),
      );
      expect(verify.mock.calls.length).toBeLessThanOrEqual(5);
      expect(statusCounts(responses.map((r) => r.status))).toEqual({ 401: 5, 429: 45 });
      for (const response of responses) {
        expectProblem(
          response,
          response.status,
          response.status === 401 ? 'invalid_credentials' : 'too_many_requests',
          [WRONG],
        );
      }
      // Locked now, for the right password too, and without a verification.
      verify.mockClear();
      expectProblem(await t.http.post('/auth/login', { email, password: PASSWORD }), 429);
      expect(verify).not.toHaveBeenCalled();
    },
  );

  it('lets 16 simultaneous right passwords all in: they take turns, none is locked out', async () => {
    const { email } = await registerUser(t.http);
    const responses = await Promise.all(
      Array.from({ length: 16 }, () => t.http.post('/auth/login', { email, password: PASSWORD })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(16).fill(200));
  });

  it('counts wrong current passwords on POST /auth/password toward the lockout', async () => {
    const user = await registerUser(t.http);
    const change = (currentPassword: string) =>
      t.http.post(
        '/auth/password',
        { currentPassword, newPassword: NEW_PASSWORD },
        { token: user.accessToken },
      );
    for (let i = 0; i < 5; i++) {
      expectProblem(await change(WRONG), 401, 'invalid_credentials', [WRONG, NEW_PASSWORD]);
    }
    // The sixth try is refused unchecked, the right password included, and so is a login.
    const locked = await change(PASSWORD);
    expectProblem(locked, 429, 'too_many_requests');
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
    expectProblem(await t.http.post('/auth/login', { email: user.email, password: PASSWORD }), 429);
    // Nothing changed: the old password is still the password.
    const rows = await t.sql(`SELECT failed_count FROM login_attempts WHERE email = $1`, [
      user.email,
    ]);
    expect(rows).toEqual([{ failed_count: 5 }]);
  });

  it('a right password resets the count, so failures have to be consecutive', async () => {
    const user = await registerUser(t.http);
    for (let i = 0; i < 4; i++) {
      expectProblem(await t.http.post('/auth/login', { email: user.email, password: WRONG }), 401);
    }
    await login(t.http, user.email);
    const rows = await t.sql(`SELECT 1 FROM login_attempts WHERE email = $1`, [user.email]);
    expect(rows).toEqual([]);
  });
});

describe('POST /auth/password rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_LOGIN_RATE_LIMIT: '3' } });
  });
  afterAll(() => t.close());

  it('spends the login budget of the client address', async () => {
    // Register spends one of the three.
    const user = await registerUser(t.http);
    const change = () =>
      t.http.post(
        '/auth/password',
        { currentPassword: WRONG, newPassword: NEW_PASSWORD },
        { token: user.accessToken },
      );
    expectProblem(await change(), 401, 'invalid_credentials');
    expectProblem(await change(), 401, 'invalid_credentials');
    const limited = await change();
    expectProblem(limited, 429, 'too_many_requests');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('bounded hashing queue', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      env: {
        AUTH_ARGON2_CONCURRENCY: '1',
        AUTH_ARGON2_QUEUE_LIMIT: '2',
        AUTH_LOCKOUT_THRESHOLD: '5',
      },
    });
  });
  afterAll(() => t.close());

  it('answers 503 with Retry-After at once when full, and does not count it as a failure', async () => {
    const users = [];
    for (let i = 0; i < 12; i++) users.push(await registerUser(t.http));
    const responses = await Promise.all(
      users.map((user) => t.http.post('/auth/login', { email: user.email, password: PASSWORD })),
    );
    const counts = statusCounts(responses.map((r) => r.status));
    expect(Object.keys(counts).sort()).toEqual(['200', '503']);
    expect(counts[200]).toBeGreaterThanOrEqual(3);
    for (const response of responses.filter((r) => r.status === 503)) {
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({
        type: 'about:blank',
        status: 503,
        code: 'service_unavailable',
      });
      expect(response.text).not.toContain(PASSWORD);
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    }
    // The refused attempts were never judged: they do not count toward the lockout.
    const rows = await t.sql(`SELECT email FROM login_attempts WHERE failed_count > 0`);
    expect(rows).toEqual([]);
    const refused = users.filter((_, i) => responses[i].status === 503);
    for (const user of refused) await login(t.http, user.email);
  });
});

describe('password change racing a login', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  /**
   * The next password verification changes the user's password (over HTTP, as another
   * client would) after judging, then reports its verdict, amended by `override`.
   */
  function changePasswordDuringNextVerify(token: string, override: { needsRehash?: boolean } = {}) {
    const hasher = t.app.get(PasswordHasher);
    const realVerify = hasher.verify.bind(hasher);
    jest.spyOn(hasher, 'verify').mockImplementationOnce(async (hash, password) => {
      const verdict = await realVerify(hash, password);
      const changed = await t.http.post(
        '/auth/password',
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        { token },
      );
      expect(changed.status).toBe(204);
      return { ...verdict, ...override };
    });
  }

  it('opens no session for a password that changed after it was verified', async () => {
    const user = await registerUser(t.http);
    // Between this login's verification and its session, the password changes.
    changePasswordDuringNextVerify(user.accessToken);
    const sessionsBefore = await t.sql(`SELECT id FROM sessions WHERE user_id = $1`, [
      user.user!.id,
    ]);
    const raced = await t.http.post('/auth/login', { email: user.email, password: PASSWORD });
    expectProblem(raced, 401, 'invalid_credentials', [PASSWORD]);
    const sessionsAfter = await t.sql(`SELECT id FROM sessions WHERE user_id = $1`, [
      user.user!.id,
    ]);
    expect(sessionsAfter).toHaveLength(sessionsBefore.length);
    await login(t.http, user.email, NEW_PASSWORD);
  });

  it('a re-hash at login never overwrites a concurrent change', async () => {
    const user = await registerUser(t.http);
    // The stored hash looks outdated, so this login re-hashes the old password.
    changePasswordDuringNextVerify(user.accessToken, { needsRehash: true });
    expectProblem(await t.http.post('/auth/login', { email: user.email, password: PASSWORD }), 401);
    // The change won: the new password works, the old one does not.
    await login(t.http, user.email, NEW_PASSWORD);
    expectProblem(
      await t.http.post('/auth/login', { email: user.email, password: PASSWORD }),
      401,
      'invalid_credentials',
    );
  });
});

/**
 * The second factor under simultaneous requests: an mfaToken's five guesses and the lockout's
 * threshold hold against a burst; two confirms, two new recovery sets, or a login and a
 * DELETE with one code never both win; login/mfa is rate-limited like login.
 */
import { expectProblem } from '../support/forge';
import { registerUser, startApp, TestApp } from '../support/test-app';
import {
  confirm,
  disableTotp,
  enableTotp,
  loginMfa,
  loginWithCode,
  mfaToken,
  newRecoveryCodes,
  passwordLogin,
  startEnrolment,
  TestClock,
  unusedRecoveryCodes,
} from './helpers';

const statusCounts = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((counts, status) => {
    counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }, {});

describe('second factor: simultaneous requests', () => {
  let t: TestApp;
  let clock: TestClock;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock = new TestClock(t);
  });
  afterEach(() => jest.restoreAllMocks());

  const unused = (userId: string) => unusedRecoveryCodes(t, userId);

  it('12 simultaneous wrong codes on one mfaToken: at most 5 are judged, the rest are invalid_grant', async () => {
    const user = await enableTotp(t, clock);
    const token = await mfaToken(t, user.email);
    const wrong = clock.wrongCode(user.secret);
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => loginMfa(t, { mfaToken: token, code: wrong })),
    );
    const judged = responses.filter((r) => (r.body as any)?.code === 'invalid_mfa_code').length;
    expect(judged).toBeLessThanOrEqual(5);
    expect(judged).toBeGreaterThanOrEqual(1);
    for (const response of responses) {
      expectProblem(response, 401, ['invalid_mfa_code', 'invalid_grant']);
    }
    expectProblem(
      await loginMfa(t, { mfaToken: token, code: clock.code(user.secret) }),
      401,
      'invalid_grant',
    );
  });

  it('two simultaneous confirms with one code: one turns TOTP on, and there is one set of 10 recovery codes', async () => {
    const user = await registerUser(t.http);
    const { secret } = await startEnrolment(t, user.accessToken);
    const code = clock.code(secret);
    const responses = await Promise.all([
      confirm(t, user.accessToken, code),
      confirm(t, user.accessToken, code),
    ]);
    const winners = responses.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    const loser = responses.find((r) => r.status !== 200)!;
    expectProblem(loser, loser.status, ['invalid_mfa_code', 'mfa_already_enabled']);
    expect(await unused(user.user!.id)).toBe(10);
    // The winner's codes are the live ones.
    const token = await mfaToken(t, user.email);
    const recovered = await loginMfa(t, {
      mfaToken: token,
      recoveryCode: winners[0].body.recoveryCodes[0],
    });
    expect(recovered.status).toBe(200);
  });

  it('two simultaneous new recovery sets: 10 live codes in the end, from one of the two sets', async () => {
    const user = await enableTotp(t, clock);
    const verified = await loginWithCode(t, clock, user);
    const responses = await Promise.all([
      newRecoveryCodes(t, verified.accessToken),
      newRecoveryCodes(t, verified.accessToken),
    ]);
    const sets = responses.filter((r) => r.status === 200).map((r) => r.body.recoveryCodes);
    expect(sets.length).toBeGreaterThanOrEqual(1);
    for (const response of responses.filter((r) => r.status !== 200)) {
      expectProblem(response, response.status);
    }
    expect(await unused(user.user!.id)).toBe(10);
    // Exactly one of the sets works (probe each set's first code on a fresh mfaToken).
    let working = 0;
    for (const set of sets) {
      const response = await loginMfa(t, {
        mfaToken: await mfaToken(t, user.email),
        recoveryCode: set[0],
      });
      if (response.status === 200) working++;
      else expectProblem(response, 401, 'invalid_mfa_code');
    }
    expect(working).toBe(1);
  });

  it('a login and a DELETE with the same code at once: only one of them succeeds', async () => {
    const user = await enableTotp(t, clock);
    const token = await mfaToken(t, user.email);
    const code = clock.code(user.secret);
    const [loggedIn, off] = await Promise.all([
      loginMfa(t, { mfaToken: token, code }),
      disableTotp(t, user.accessToken, { code }),
    ]);
    const wins = [loggedIn.status === 200, off.status === 204].filter(Boolean).length;
    expect({ login: loggedIn.status, delete: off.status, wins }).toMatchObject({ wins: 1 });
    const loser = loggedIn.status === 200 ? off : loggedIn;
    expectProblem(loser, 401, ['invalid_mfa_code', 'invalid_grant']);
  });
});

describe('second factor: a burst against the lockout (threshold 3)', () => {
  let t: TestApp;
  let clock: TestClock;

  beforeAll(async () => {
    t = await startApp({ env: { AUTH_LOCKOUT_THRESHOLD: '3' } });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock = new TestClock(t);
  });
  afterEach(() => jest.restoreAllMocks());

  it('10 simultaneous wrong codes on 10 fresh mfaTokens: at most 3 are judged, the rest are 429', async () => {
    const user = await enableTotp(t, clock);
    const tokens: string[] = [];
    for (let i = 0; i < 10; i++) tokens.push(await mfaToken(t, user.email));
    const wrong = clock.wrongCode(user.secret);
    const responses = await Promise.all(
      tokens.map((token) => loginMfa(t, { mfaToken: token, code: wrong })),
    );
    const counts = statusCounts(responses.map((r) => r.status));
    expect(counts[401] ?? 0).toBeLessThanOrEqual(3);
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(10);
    for (const response of responses) {
      expectProblem(
        response,
        response.status,
        response.status === 401 ? 'invalid_mfa_code' : 'too_many_requests',
      );
    }
    const locked = await passwordLogin(t, user.email);
    expectProblem(locked, 429, 'too_many_requests');
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('second factor: the login rate limit (AUTH_LOGIN_RATE_LIMIT=3)', () => {
  let t: TestApp;
  let client = 0;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_LOGIN_RATE_LIMIT: '3', TRUST_PROXY: 'true' } });
  });
  afterAll(() => t.close());

  it('counts POST /auth/login/mfa: the 4th from one client within a minute is 429 with Retry-After', async () => {
    const headers = { 'x-forwarded-for': `203.0.113.${++client}` };
    const body = { mfaToken: 'A'.repeat(43), code: '123456' };
    for (let i = 0; i < 3; i++) {
      const response = await t.http.post('/auth/login/mfa', body, { headers });
      expectProblem(response, 401, 'invalid_grant');
    }
    const fourth = await t.http.post('/auth/login/mfa', body, { headers });
    expectProblem(fourth, 429, 'too_many_requests');
    expect(fourth.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another client is not affected.
    const other = await t.http.post('/auth/login/mfa', body, {
      headers: { 'x-forwarded-for': `203.0.113.${++client}` },
    });
    expectProblem(other, 401, 'invalid_grant');
  });
});

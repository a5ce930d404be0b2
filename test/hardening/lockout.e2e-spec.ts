/**
 * Account lockout (AUTH_LOCKOUT_THRESHOLD): consecutive failed logins of one email back off
 * with 429 and Retry-After, for the right password too, identically for emails without an
 * account; a success resets the count; the state lives in the database (login_attempts), so
 * it survives a restart and holds on every instance.
 */
import { expectProblem } from '../support/forge';
import type { Http, HttpResponse } from '../support/http';
import { createTestDatabase, usingPostgres } from '../support/test-database';
import { PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';

const ENV = { AUTH_LOCKOUT_THRESHOLD: '3' };
const WRONG = 'wrong password!';

const attempt = (http: Http, email: string, password: string) =>
  http.post('/auth/login', { email, password });

async function failTimes(http: Http, email: string, times: number): Promise<HttpResponse[]> {
  const responses: HttpResponse[] = [];
  for (let i = 0; i < times; i++) {
    const response = await attempt(http, email, WRONG);
    expectProblem(response, 401, 'invalid_credentials', [WRONG]);
    responses.push(response);
  }
  return responses;
}

/** 429 too_many_requests with Retry-After of about a minute (the first backoff). */
function expectLockedOut(response: HttpResponse): number {
  expectProblem(response, 429, 'too_many_requests', [PASSWORD, WRONG]);
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  const seconds = Number(response.headers.get('retry-after'));
  expect(seconds).toBeGreaterThanOrEqual(50);
  expect(seconds).toBeLessThanOrEqual(60);
  return seconds;
}

describe('account lockout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: ENV });
  });
  afterAll(() => t.close());

  const attemptsRow = async (email: string) =>
    (
      await t.sql(
        `SELECT failed_count, extract(epoch FROM locked_until - now())::float8 AS wait
         FROM login_attempts WHERE email = $1`,
        [email],
      )
    )[0];

  it('locks after 3 wrong passwords: the 4th attempt, with the right password, is 429', async () => {
    const { email } = await registerUser(t.http);
    await failTimes(t.http, email, 3);
    const row = await attemptsRow(email);
    expect(row.failed_count).toBe(3);
    expect(row.wait).toBeGreaterThan(50);
    expect(row.wait).toBeLessThanOrEqual(60);

    const right = await attempt(t.http, email, PASSWORD);
    expectLockedOut(right);
    expect(right.headers.get('set-cookie')).toBeNull();
    // Attempts while locked are refused without being checked or counted.
    expectLockedOut(await attempt(t.http, email, WRONG));
    expect((await attemptsRow(email)).failed_count).toBe(3);
    // The lock names the email, whatever its spelling.
    expectLockedOut(await attempt(t.http, `  ${email.toUpperCase()} `, PASSWORD));
  });

  it('locks an email without an account the same way, revealing nothing', async () => {
    const { email } = await registerUser(t.http);
    const ghost = uniqueEmail('ghost');
    const real = await failTimes(t.http, email, 3);
    const fake = await failTimes(t.http, ghost, 3);
    for (let i = 0; i < 3; i++) expect(fake[i].body).toEqual(real[i].body);

    const realLocked = await attempt(t.http, email, PASSWORD);
    const fakeLocked = await attempt(t.http, ghost, PASSWORD);
    expectLockedOut(realLocked);
    expectLockedOut(fakeLocked);
    expect(fakeLocked.body).toEqual(realLocked.body);
    expect(fakeLocked.headers.get('content-type')).toBe(realLocked.headers.get('content-type'));
    expect(
      Math.abs(
        Number(fakeLocked.headers.get('retry-after')) -
          Number(realLocked.headers.get('retry-after')),
      ),
    ).toBeLessThanOrEqual(2);
    expect((await attemptsRow(ghost)).failed_count).toBe(3);
    const users = await t.sql('SELECT count(*)::int AS n FROM users WHERE email = $1', [ghost]);
    expect(users[0].n).toBe(0);
  });

  it('resets the count on a success before the threshold', async () => {
    const { email } = await registerUser(t.http);
    await failTimes(t.http, email, 2);
    expect((await attemptsRow(email)).failed_count).toBe(2);
    expect((await attempt(t.http, email, PASSWORD)).status).toBe(200);
    expect(await attemptsRow(email)).toBeUndefined();
    await failTimes(t.http, email, 2);
    expect((await attempt(t.http, email, PASSWORD)).status).toBe(200);
    // Only consecutive failures count: a third one now is the first of a new run.
    await failTimes(t.http, email, 1);
    expect((await attemptsRow(email)).failed_count).toBe(1);
    expect((await attempt(t.http, email, PASSWORD)).status).toBe(200);
  });

  it('survives an app restart on the same database', async () => {
    const db = await createTestDatabase();
    try {
      const first = await startApp({ db, env: ENV });
      const { email } = await registerUser(first.http);
      await failTimes(first.http, email, 3);
      expectLockedOut(await attempt(first.http, email, PASSWORD));
      await first.close();

      const second = await startApp({ db, env: ENV });
      try {
        expectLockedOut(await attempt(second.http, email, PASSWORD));
        const rows = await second.sql('SELECT failed_count FROM login_attempts WHERE email = $1', [
          email,
        ]);
        expect(rows).toEqual([{ failed_count: 3 }]);
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('applies across two instances', async () => {
    if (usingPostgres()) {
      // Two live instances on one PostgreSQL database: failures on either count together.
      const other = await startApp({ db: t.db, env: ENV });
      try {
        const { email } = await registerUser(t.http);
        await failTimes(t.http, email, 1);
        await failTimes(other.http, email, 1);
        await failTimes(t.http, email, 1);
        expectLockedOut(await attempt(other.http, email, PASSWORD));
        expectLockedOut(await attempt(t.http, email, PASSWORD));
        const ghost = uniqueEmail('ghost');
        await failTimes(other.http, ghost, 2);
        await failTimes(t.http, ghost, 1);
        expectLockedOut(await attempt(other.http, ghost, PASSWORD));
      } finally {
        await other.close();
      }
    } else {
      // The embedded database belongs to one process, so two instances can only take turns
      // on it: the count (not just the lock) carries from one to the next.
      const db = await createTestDatabase();
      try {
        const first = await startApp({ db, env: ENV });
        const { email } = await registerUser(first.http);
        await failTimes(first.http, email, 2);
        await first.close();
        const second = await startApp({ db, env: ENV });
        try {
          await failTimes(second.http, email, 1);
          expectLockedOut(await attempt(second.http, email, PASSWORD));
        } finally {
          await second.close();
        }
      } finally {
        await db.drop();
      }
    }
  });
});

import { expectProblem } from '../support/forge';
import { linkToken, TestSmtpServer } from '../support/smtp';
import { usingPostgres } from '../support/test-database';
import { login, registerUser, sleep, startApp, TestApp, uniqueEmail } from '../support/test-app';

const NEW_PASSWORD = 'a brand new passphrase';
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

describe('password reset', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  /** A second instance on the same database (PostgreSQL), or the same one (embedded). */
  let b: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    const env = { SMTP_URL: smtp.url, AUTH_LOCKOUT_THRESHOLD: '3' };
    t = await startApp({ env });
    b = usingPostgres() ? await startApp({ db: t.db, env }) : t;
  });
  afterAll(async () => {
    if (b !== t) await b.close();
    await t.close();
    await smtp.stop();
  });

  async function resetLink(email: string, count = 1): Promise<string> {
    const mails = await smtp.waitFor(email, count);
    const resets = mails.filter((m) => /reset/i.test(m.subject ?? ''));
    return linkToken(resets[resets.length - 1], '/reset-password');
  }

  it('answers forgot alike for an existing and an unknown address, in similar time; only the existing one gets a mail, once per interval', async () => {
    const user = await registerUser(t.http);
    const unknown = uniqueEmail('nobody');
    const answers = new Set<string>();

    /** 20 requests for each address, interleaved; returns the two medians. */
    async function measure(): Promise<[number, number]> {
      const existing: number[] = [];
      const missing: number[] = [];
      // Interleaved (in alternating order), so both sides share whatever else the machine is
      // doing; two warm-up rounds are not counted.
      for (let i = -2; i < 20; i++) {
        const pair = [
          [user.email, existing],
          [unknown, missing],
        ] as const;
        for (const [email, times] of i % 2 ? [...pair].reverse() : pair) {
          const started = process.hrtime.bigint();
          const response = await t.http.post('/auth/password/forgot', { email });
          const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
          if (i >= 0) times.push(elapsed);
          answers.add(
            `${response.status} ${response.headers.get('content-type')} [${response.text}]`,
          );
          // The mail work starts after the answer; let it end so it does not slow the next one.
          await sleep(150);
        }
      }
      return [median(existing), median(missing)];
    }

    // Both answers come before any lookup, so a gap is the machine's noise (these machines are
    // shared): a measurement is repeated, at most five times, until one is within 20 %.
    const spread: string[] = [];
    let close = false;
    for (let round = 0; round < 5 && !close; round++) {
      const [a, m] = await measure();
      spread.push(`existing ${a.toFixed(2)} ms, unknown ${m.toFixed(2)} ms`);
      close = Math.abs(a - m) / Math.max(a, m) < 0.2;
    }
    console.log(
      `forgot-password medians over 20 requests each (${usingPostgres() ? 'postgres' : 'embedded'}): ${spread.join('; ')}`,
    );
    expect([...answers]).toEqual(['202 null []']);
    expect(close).toBe(true);

    await smtp.waitFor(user.email, 2); // the verification mail and one reset mail
    await sleep(500);
    expect(smtp.to(user.email).filter((m) => /reset/i.test(m.subject ?? ''))).toHaveLength(1);
    expect(smtp.to(unknown)).toHaveLength(0);
  });

  it('sets the new password with the link, ends every session at once on every instance, and spends the link', async () => {
    const user = await registerUser(t.http);
    const other = await login(b.http, user.email);
    expect((await b.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
    expect((await b.http.get('/auth/me', { token: other.accessToken })).status).toBe(200);
    // The lockout counts failures: two wrong passwords before the reset.
    for (let i = 0; i < 2; i++) {
      await t.http.post('/auth/login', { email: user.email, password: 'wrong password!' });
    }

    expect((await t.http.post('/auth/password/forgot', { email: user.email })).status).toBe(202);
    const token = await resetLink(user.email, 2);
    // A password refused by the rules does not spend the link.
    expectProblem(
      await t.http.post('/auth/password/reset', { token, newPassword: 'short' }),
      400,
      'validation_failed',
    );
    const reset = await t.http.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD });
    expect(reset.status).toBe(204);

    for (const app of [t, b]) {
      for (const access of [user.accessToken, other.accessToken]) {
        expectProblem(await app.http.get('/auth/me', { token: access }), 401, 'session_revoked');
      }
      for (const refreshToken of [user.refreshToken, other.refreshToken]) {
        expectProblem(await app.http.post('/auth/refresh', { refreshToken }), 401, 'invalid_grant');
      }
    }
    expectProblem(
      await t.http.post('/auth/login', { email: user.email, password: user.password }),
      401,
      'invalid_credentials',
    );
    // Lockout cleared: two failures before plus one now stay under the threshold of 3.
    const fresh = await login(t.http, user.email, NEW_PASSWORD);
    expect((await t.http.get('/users/me', { token: fresh.accessToken })).body).toMatchObject({
      emailVerified: true,
    });
    expectProblem(
      await t.http.post('/auth/password/reset', { token, newPassword: 'yet another one!' }),
      400,
      'invalid_link',
    );
    const events = (await t.http.get('/auth/events', { token: fresh.accessToken })).body as {
      type: string;
    }[];
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['password_reset_requested', 'password_reset']),
    );
  });

  it('of two simultaneous resets with one link, one wins', async () => {
    const user = await registerUser(t.http);
    await t.http.post('/auth/password/forgot', { email: user.email });
    const token = await resetLink(user.email, 2);
    const answers = await Promise.all(
      ['first new password', 'second new password'].map((newPassword, i) =>
        (i === 0 ? t : b).http.post('/auth/password/reset', { token, newPassword }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([204, 400]);
    expect(answers.find((r) => r.status === 400)!.body.code).toBe('invalid_link');
  });

  it('refuses an expired link and one of another kind', async () => {
    const user = await registerUser(t.http);
    const verifyToken = linkToken((await smtp.waitFor(user.email))[0], '/verify-email');
    expectProblem(
      await t.http.post('/auth/password/reset', { token: verifyToken, newPassword: NEW_PASSWORD }),
      400,
      'invalid_link',
    );
    await t.http.post('/auth/password/forgot', { email: user.email });
    const token = await resetLink(user.email, 2);
    await t.sql(
      `UPDATE link_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.user!.id],
    );
    expectProblem(
      await t.http.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD }),
      400,
      'invalid_link',
    );
    await login(t.http, user.email, user.password); // nothing changed
  });
});

import { randomUUID } from 'node:crypto';
import { MAIL_RETRY } from '../../src/accounts/mail/retry-policy';
import { OUTBOX_REFRESH_MS } from '../../src/metrics/service-state-metrics';
import { enableTotp, loginMfa, mfaToken, TestClock } from '../mfa/helpers';
import { expectProblem } from '../support/forge';
import { delta, metricsUrl, promtool, sample, scrape, seriesOf } from '../support/metrics';
import { linkToken, TestSmtpServer } from '../support/smtp';
import {
  eventually,
  login,
  PASSWORD,
  registerUser,
  startApp,
  TestApp,
  uniqueEmail,
} from '../support/test-app';

/**
 * The metrics of docs/operations.md#metrics (names and labels fixed by the contract) move
 * for known actions, with the labels they should have, and only on METRICS_PORT.
 */
describe('metrics', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await startApp({
      env: { METRICS_PORT: '0', SMTP_URL: smtp.url, AUTH_LOCKOUT_THRESHOLD: '3' },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const logins = (method: string, outcome: string) =>
    ['latch_logins_total', { method, outcome }] as const;

  it('serves GET /metrics on METRICS_PORT only: the API port answers 404 there', async () => {
    expectProblem(await t.http.get('/metrics'), 404, 'not_found');
    const response = await fetch(`${metricsUrl(t)}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const name of [
      'latch_http_requests_total',
      'latch_http_request_duration_seconds',
      'latch_logins_total',
      'latch_refresh_total',
      'latch_sessions_revoked_total',
      'latch_rate_limited_total',
      'latch_mail_outbox_pending',
      'latch_mail_sent_total',
      'latch_mail_failed_total',
      'latch_revocation_listener_up',
      'latch_password_hash_duration_seconds',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_active_handles',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, 'latch_revocation_listener_up')).toBe(1);
    expect((await fetch(`${metricsUrl(t)}/`)).status).toBe(404);
    expect((await fetch(`${metricsUrl(t)}/metrics/x`)).status).toBe(404);
    expect((await fetch(`${metricsUrl(t)}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('counts password logins by outcome: success, failure, disabled; and times each hash', async () => {
    const user = await registerUser(t.http);
    const disabled = await registerUser(t.http);
    await t.sql(`UPDATE users SET disabled = true WHERE id = $1`, [disabled.user!.id]);
    const moved = await delta(t, async () => {
      await login(t.http, user.email);
      expectProblem(
        await t.http.post('/auth/login', { email: user.email, password: 'not the password' }),
        401,
        'invalid_credentials',
      );
      expectProblem(
        await t.http.post('/auth/login', { email: uniqueEmail('nobody'), password: PASSWORD }),
        401,
        'invalid_credentials',
      );
      expectProblem(
        await t.http.post('/auth/login', { email: disabled.email, password: PASSWORD }),
        403,
        'account_disabled',
      );
    });
    expect(moved(...logins('password', 'success'))).toBe(1);
    expect(moved(...logins('password', 'failure'))).toBe(2);
    expect(moved(...logins('password', 'disabled'))).toBe(1);
    expect(moved(...logins('password', 'mfa_required'))).toBe(0);
    // Four logins, four verifications (the unknown address against the dummy hash).
    expect(moved('latch_password_hash_duration_seconds_count')).toBe(4);
    expect(moved('latch_password_hash_duration_seconds_sum')).toBeGreaterThan(0);
  });

  it('a wrong password asked again before a change is not counted as a login', async () => {
    const user = await registerUser(t.http);
    const moved = await delta(t, async () => {
      const response = await t.http.post(
        '/auth/password',
        { currentPassword: 'not the password', newPassword: 'a brand new passphrase' },
        { token: user.accessToken },
      );
      expectProblem(response, 401, 'invalid_credentials');
    });
    expect(moved(...logins('password', 'failure'))).toBe(0);
    expect(moved('latch_password_hash_duration_seconds_count')).toBe(1);
  });

  it('counts a login refused by the lockout as locked, and the 429 as the lockout limit', async () => {
    const user = await registerUser(t.http);
    const moved = await delta(t, async () => {
      for (let i = 0; i < 3; i++) {
        await t.http.post('/auth/login', { email: user.email, password: 'not the password' });
      }
      expectProblem(
        await t.http.post('/auth/login', { email: user.email, password: PASSWORD }),
        429,
        'too_many_requests',
      );
    });
    expect(moved(...logins('password', 'failure'))).toBe(3);
    expect(moved(...logins('password', 'locked'))).toBe(1);
    expect(moved('latch_rate_limited_total', { limit: 'lockout' })).toBe(1);
    expect(moved(...logins('password', 'success'))).toBe(0);
  });

  describe('with a second factor', () => {
    afterEach(() => jest.restoreAllMocks());

    it('counts the password step as mfa_required, then the second step as mfa failure and success', async () => {
      const clock = new TestClock(t);
      const user = await enableTotp(t, clock);
      const moved = await delta(t, async () => {
        const token = await mfaToken(t, user.email);
        const wrong = await loginMfa(t, { mfaToken: token, code: clock.wrongCode(user.secret) });
        expectProblem(wrong, 401, 'invalid_mfa_code');
        const right = await loginMfa(t, { mfaToken: token, code: clock.code(user.secret) });
        expect(right.status).toBe(200);
      });
      expect(moved(...logins('password', 'mfa_required'))).toBe(1);
      expect(moved(...logins('password', 'success'))).toBe(0);
      expect(moved(...logins('mfa', 'failure'))).toBe(1);
      expect(moved(...logins('mfa', 'success'))).toBe(1);
    });
  });

  it('counts refreshes as rotated, grace, reused and invalid; the reuse revokes its session', async () => {
    const user = await registerUser(t.http);
    const other = await registerUser(t.http);
    const refresh = (refreshToken: string) => t.http.post('/auth/refresh', { refreshToken });
    const [id, secret] = other.refreshToken.split('.');
    const wrongSecret = `${id}.${secret.slice(0, -2)}${secret.endsWith('AA') ? 'BB' : 'AA'}`;
    const moved = await delta(t, async () => {
      const first = await refresh(user.refreshToken);
      expect(first.status).toBe(200);
      expect((await refresh(user.refreshToken)).status).toBe(200); // within the grace window
      const second = await refresh(first.body.refreshToken);
      expect(second.status).toBe(200);
      // The first token's successor is no longer current: reuse, the session is revoked.
      expectProblem(await refresh(user.refreshToken), 401, 'refresh_token_reused');
      expectProblem(await refresh('not-a-refresh-token'), 401, 'invalid_grant');
      expectProblem(await refresh(wrongSecret), 401, 'invalid_grant');
    });
    expect(moved('latch_refresh_total', { outcome: 'rotated' })).toBe(2);
    expect(moved('latch_refresh_total', { outcome: 'grace' })).toBe(1);
    expect(moved('latch_refresh_total', { outcome: 'reused' })).toBe(1);
    expect(moved('latch_refresh_total', { outcome: 'invalid' })).toBe(2);
    expect(moved('latch_sessions_revoked_total', { reason: 'reuse' })).toBe(1);
  });

  it('counts revoked sessions by reason: logout, logout_all, deleted, password, admin, reset', async () => {
    const registered = await registerUser(t.http, uniqueEmail('admin'));
    await t.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [registered.user!.id]);
    const admin = await login(t.http, registered.email);
    const a = await registerUser(t.http);
    const b = await registerUser(t.http);
    const bSecond = await login(t.http, b.email);
    const c = await registerUser(t.http);
    const cSecond = await login(t.http, c.email);
    const d = await registerUser(t.http);
    const e = await registerUser(t.http);
    const f = await registerUser(t.http);
    const moved = await delta(t, async () => {
      expect((await t.http.post('/auth/logout', { refreshToken: a.refreshToken })).status).toBe(
        204,
      );
      expect(
        (await t.http.post('/auth/logout-all', undefined, { token: b.accessToken })).status,
      ).toBe(204); // both of b's sessions
      expect(
        (await t.http.delete(`/auth/sessions/${cSecond.sessionId}`, { token: c.accessToken }))
          .status,
      ).toBe(204);
      const changed = await t.http.post(
        '/auth/password',
        { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
        { token: d.accessToken },
      );
      expect(changed.status).toBe(204); // d has one session, the caller's, which is kept
      await login(t.http, e.email);
      const ePassword = await t.http.post(
        '/auth/password',
        { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
        { token: e.accessToken },
      );
      expect(ePassword.status).toBe(204); // ends e's other session
      const disabled = await t.http.patch(
        `/users/${f.user!.id}`,
        { disabled: true },
        { token: admin.accessToken },
      );
      expect(disabled.status).toBe(200);
      expect((await t.http.post('/auth/password/forgot', { email: c.email })).status).toBe(202);
      const mails = await smtp.waitFor(c.email, 2); // the verification mail, then the reset
      const reset = mails.find((mail) => /reset/i.test(mail.subject ?? ''))!;
      const done = await t.http.post('/auth/password/reset', {
        token: linkToken(reset, '/reset-password'),
        newPassword: 'a brand new passphrase',
      });
      expect(done.status).toBe(204);
    });
    expect(moved('latch_sessions_revoked_total', { reason: 'logout' })).toBe(1);
    expect(moved('latch_sessions_revoked_total', { reason: 'logout_all' })).toBe(2);
    expect(moved('latch_sessions_revoked_total', { reason: 'deleted' })).toBe(1);
    expect(moved('latch_sessions_revoked_total', { reason: 'password' })).toBe(1);
    expect(moved('latch_sessions_revoked_total', { reason: 'admin' })).toBe(1);
    expect(moved('latch_sessions_revoked_total', { reason: 'reset' })).toBe(1); // c's first
    expect(moved('latch_sessions_revoked_total', { reason: 'reuse' })).toBe(0);
    expect(bSecond.sessionId).not.toBe(b.sessionId);
  });

  it('labels requests with the route template, one fixed label for unmatched paths, and no id, address or e-mail anywhere', async () => {
    const user = await registerUser(t.http);
    const unknownId = randomUUID();
    const moved = await delta(t, async () => {
      expect((await t.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
      const deleted = await t.http.delete(`/auth/sessions/${unknownId}`, {
        token: user.accessToken,
      });
      expectProblem(deleted, 404, 'not_found');
      expectProblem(await t.http.get(`/no/such/${unknownId}`), 404, 'not_found');
    });
    const request = (method: string, route: string, status: string) =>
      moved('latch_http_requests_total', { method, route, status });
    expect(request('GET', '/auth/me', '200')).toBe(1);
    expect(request('DELETE', '/auth/sessions/:id', '404')).toBe(1);
    expect(request('GET', 'unmatched', '404')).toBe(1);
    expect(
      moved('latch_http_request_duration_seconds_count', { method: 'GET', route: '/auth/me' }),
    ).toBe(1);

    const text = await scrape(t);
    expect(text).not.toContain(unknownId);
    expect(text).not.toContain(user.user!.id);
    expect(text).not.toContain(user.sessionId);
    expect(text).not.toContain('/no/such');
    expect(text).not.toContain('@');
    expect(text).not.toContain('127.0.0.1');
    const routes = new Set(
      seriesOf(text, 'latch_http_requests_total').map((line) => /route="([^"]*)"/.exec(line)![1]),
    );
    for (const route of routes) expect(route).toMatch(/^(unmatched|\/[a-z0-9\-/.:_*]*)$/i);
  });

  it('counts mails sent and given up by kind, and the outbox backlog without a query per scrape', async () => {
    // What earlier tests queued is sent first, so that only this test's mail moves the count.
    const drained = async () =>
      (await t.sql(`SELECT 1 FROM mail_outbox WHERE status = 'pending'`)).length === 0;
    await eventually(drained, 10_000, 50);
    const sent = await delta(t, async () => {
      const user = await registerUser(t.http);
      await smtp.waitFor(user.email);
      await eventually(async () => {
        const rows = await t.sql(
          `SELECT 1 FROM mail_outbox WHERE user_id = $1 AND status = 'sent'`,
          [user.user!.id],
        );
        return rows.length === 1;
      });
    });
    expect(sent('latch_mail_sent_total', { kind: 'verify_email' })).toBe(1);

    const owner = await registerUser(t.http);
    const base = sample(await scrape(t), 'latch_mail_failed_total', { kind: 'reset_password' })!;
    // A mail whose last attempt's claim lapsed: the sender's next poll gives it up.
    await t.sql(
      `INSERT INTO mail_outbox (user_id, kind, recipient, params, attempts, next_attempt_at)
       VALUES ($1, 'reset_password', $2, '{}', $3, now() - interval '1 second')`,
      [owner.user!.id, owner.email, MAIL_RETRY.maxAttempts],
    );
    await eventually(
      async () =>
        sample(await scrape(t), 'latch_mail_failed_total', { kind: 'reset_password' }) === base + 1,
      15_000,
      200,
    );

    // Three mails due in an hour wait in the outbox; the gauge sees them at its next count.
    const pending = () => scrape(t).then((text) => sample(text, 'latch_mail_outbox_pending'));
    await eventually(drained, 10_000, 50);
    await eventually(async () => (await pending()) === 0, OUTBOX_REFRESH_MS * 3, 200);
    await t.sql(
      `INSERT INTO mail_outbox (user_id, kind, recipient, params, next_attempt_at)
       SELECT $1, 'verify_email', $2, '{}', now() + interval '1 hour' FROM generate_series(1, 3)`,
      [owner.user!.id, owner.email],
    );
    await eventually(async () => (await pending()) === 3, OUTBOX_REFRESH_MS * 3, 200);
    // Scrapes between two counts read the same value (no query of their own).
    const readings = await Promise.all([pending(), pending(), pending()]);
    expect(readings).toEqual([3, 3, 3]);
    await t.sql(`DELETE FROM mail_outbox WHERE user_id = $1 AND status = 'pending'`, [
      owner.user!.id,
    ]);
    await eventually(async () => (await pending()) === 0, OUTBOX_REFRESH_MS * 3, 200);
  });

  it('promtool check metrics accepts the exposition', async () => {
    const text = await scrape(t);
    const { status, output } = promtool(['check', 'metrics'], text);
    expect({ status, output }).toEqual({ status: 0, output: '' });
  });
});

describe('metrics of rate limits and of unverified logins', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      env: {
        METRICS_PORT: '0',
        AUTH_REQUIRE_VERIFIED_EMAIL: 'true',
        AUTH_LOGIN_RATE_LIMIT: '4',
        AUTH_REFRESH_RATE_LIMIT: '2',
      },
    });
  });
  afterAll(() => t.close());

  it('counts an unverified login, and each budget that refused a request with 429', async () => {
    const email = uniqueEmail();
    const moved = await delta(t, async () => {
      const registered = await t.http.post('/auth/register', { email, password: PASSWORD });
      expect(registered.status).toBe(201); // 1 of the login budget
      expectProblem(
        await t.http.post('/auth/login', { email, password: PASSWORD }),
        403,
        'email_not_verified',
      ); // 2
      await t.sql(`UPDATE users SET email_verified = true WHERE email = $1`, [email]);
      const tokens = await login(t.http, email); // 3
      await login(t.http, email); // 4
      expectProblem(
        await t.http.post('/auth/login', { email, password: PASSWORD }),
        429,
        'too_many_requests',
      );
      const first = await t.http.post('/auth/refresh', { refreshToken: tokens.refreshToken });
      expect(first.status).toBe(200);
      const second = await t.http.post('/auth/refresh', { refreshToken: first.body.refreshToken });
      expect(second.status).toBe(200);
      expectProblem(
        await t.http.post('/auth/refresh', { refreshToken: second.body.refreshToken }),
        429,
        'too_many_requests',
      );
    });
    expect(moved('latch_logins_total', { method: 'password', outcome: 'unverified' })).toBe(1);
    expect(moved('latch_logins_total', { method: 'password', outcome: 'success' })).toBe(2);
    expect(moved('latch_rate_limited_total', { limit: 'login' })).toBe(1);
    expect(moved('latch_rate_limited_total', { limit: 'refresh' })).toBe(1);
    expect(moved('latch_rate_limited_total', { limit: 'lockout' })).toBe(0);
    expect(moved('latch_refresh_total', { outcome: 'rotated' })).toBe(2);
  });
});

describe('metrics off', () => {
  it('without METRICS_PORT nothing listens for them and the API has no /metrics', async () => {
    const t = await startApp();
    try {
      expectProblem(await t.http.get('/metrics'), 404, 'not_found');
      expect(() => metricsUrl(t)).toThrow(/not up/);
    } finally {
      await t.close();
    }
  });
});

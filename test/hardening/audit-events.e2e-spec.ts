/**
 * The audit trail: every credential and session event lands in auth_events (and in
 * GET /auth/events for its user, newest first) with the client's address and user agent and
 * without any secret, and is published on the Nest event bus as a typed event.
 */
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AuditLog } from '../../src/auth/events/audit-log';
import type { AuthEvent } from '../../src/auth/events/auth-event';
import { expectProblem } from '../support/forge';
import { PASSWORD, startApp, TestApp, uniqueEmail, eventually } from '../support/test-app';

const UA = 'latch-audit-test/1.0 (+https://example.com)';
const NEW_PASSWORD = 'a brand new passphrase';
const WRONG = 'not my password at all';
const headers = { 'user-agent': UA };

describe('audit events', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { AUTH_LOCKOUT_THRESHOLD: '3' } });
  });
  afterAll(() => t.close());

  const post = (path: string, body?: unknown, token?: string) =>
    t.http.post(path, body, { headers, token });

  it('records the whole life of an account, with ip and user agent and no secret', async () => {
    const email = uniqueEmail('audit');
    const secrets: string[] = [PASSWORD, NEW_PASSWORD, WRONG];

    const registered = await post('/auth/register', { email, password: PASSWORD });
    expect(registered.status).toBe(201);
    const userId: string = registered.body.user.id;
    secrets.push(registered.body.accessToken, registered.body.refreshToken);

    expect((await post('/auth/login', { email, password: WRONG })).status).toBe(401);
    const loggedIn = await post('/auth/login', { email, password: PASSWORD });
    expect(loggedIn.status).toBe(200);
    secrets.push(loggedIn.body.accessToken, loggedIn.body.refreshToken);

    // Refresh twice, then replay the first token: reuse, and the session is revoked.
    const r1 = await post('/auth/refresh', { refreshToken: loggedIn.body.refreshToken });
    expect(r1.status).toBe(200);
    const r2 = await post('/auth/refresh', { refreshToken: r1.body.refreshToken });
    expect(r2.status).toBe(200);
    secrets.push(r1.body.refreshToken, r2.body.refreshToken, r1.body.accessToken);
    expectProblem(
      await post('/auth/refresh', { refreshToken: loggedIn.body.refreshToken }),
      401,
      'refresh_token_reused',
    );

    // A password change from a third session revokes the registration's session.
    const third = await post('/auth/login', { email, password: PASSWORD });
    expect(third.status).toBe(200);
    secrets.push(third.body.accessToken, third.body.refreshToken);
    expect(
      (
        await post(
          '/auth/password',
          { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
          third.body.accessToken,
        )
      ).status,
    ).toBe(204);

    // A fourth session, logged out.
    const fourth = await post('/auth/login', { email, password: NEW_PASSWORD });
    expect(fourth.status).toBe(200);
    secrets.push(fourth.body.refreshToken);
    expect((await post('/auth/logout', { refreshToken: fourth.body.refreshToken })).status).toBe(
      204,
    );

    // Three failures lock the account.
    for (let i = 0; i < 3; i++) {
      expect((await post('/auth/login', { email, password: WRONG })).status).toBe(401);
    }
    expect((await post('/auth/login', { email, password: NEW_PASSWORD })).status).toBe(429);

    // Another user's activity must not show up in this user's list.
    const stranger = await t.http.post('/auth/register', {
      email: uniqueEmail('stranger'),
      password: PASSWORD,
    });
    expect(stranger.status).toBe(201);

    const listed = await t.http.get('/auth/events', { token: third.body.accessToken });
    expect(listed.status).toBe(200);
    const events: {
      type: string;
      at: string;
      sessionId: string | null;
      ip: string | null;
      userAgent: string | null;
      detail: Record<string, unknown>;
    }[] = listed.body;

    // Newest first.
    const times = events.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(events[0].type).toBe('login.locked_out');

    const ofType = (type: string) => events.filter((e) => e.type === type);
    expect(ofType('user.registered')).toHaveLength(1);
    expect(ofType('user.registered')[0].sessionId).toBe(registered.body.sessionId);
    expect(
      ofType('login.succeeded')
        .map((e) => e.sessionId)
        .sort(),
    ).toEqual([loggedIn.body.sessionId, third.body.sessionId, fourth.body.sessionId].sort());
    expect(ofType('login.failed')).toHaveLength(4);
    expect(ofType('login.locked_out')).toHaveLength(1);
    expect(ofType('token.refreshed')).toHaveLength(2);
    expect(ofType('token.refreshed').every((e) => e.sessionId === loggedIn.body.sessionId)).toBe(
      true,
    );
    expect(ofType('token.reuse_detected')).toEqual([
      expect.objectContaining({ sessionId: loggedIn.body.sessionId }),
    ]);
    expect(ofType('password.changed')).toEqual([
      expect.objectContaining({ sessionId: third.body.sessionId }),
    ]);
    const revoked = ofType('session.revoked').map((e) => [e.sessionId, e.detail.reason]);
    expect(revoked).toEqual(
      expect.arrayContaining([
        [loggedIn.body.sessionId, 'refresh_token_reused'],
        [registered.body.sessionId, 'password_changed'],
        [fourth.body.sessionId, 'logout'],
      ]),
    );
    expect(revoked).toHaveLength(3);

    for (const event of events) {
      expect(event.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(event.userAgent).toBe(UA);
      expect(Number.isNaN(Date.parse(event.at))).toBe(false);
    }

    // Nothing secret, in the API answer or in the table.
    await t.app.get(AuditLog).flush();
    const rows = await t.sql(
      `SELECT type, user_id, session_id, ip, user_agent, detail::text AS detail, at
       FROM auth_events WHERE user_id = $1 ORDER BY at DESC, id DESC`,
      [userId],
    );
    expect(rows.map((r) => r.type)).toEqual(events.map((e) => e.type));
    const refreshSecrets = secrets
      .filter((s) => /^[0-9a-f-]{36}\./.test(s))
      .map((s) => s.split('.')[1]);
    for (const text of [listed.text, JSON.stringify(rows)]) {
      for (const secret of [...secrets, ...refreshSecrets]) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/argon2|\$argon/);
    }
    expect(listed.text).not.toContain(JSON.stringify(stranger.body.user.id).slice(1, -1));
  });

  it('records lockout of an email without an account, with no user', async () => {
    const ghost = uniqueEmail('ghost');
    await t.app.get(AuditLog).flush();
    const before = await t.sql(
      `SELECT count(*)::int AS n FROM auth_events WHERE type = 'login.locked_out' AND user_id IS NULL`,
    );
    for (let i = 0; i < 3; i++) {
      expect((await post('/auth/login', { email: ghost, password: WRONG })).status).toBe(401);
    }
    await t.app.get(AuditLog).flush();
    const after = await t.sql(
      `SELECT ip, user_agent, detail::text AS detail FROM auth_events
       WHERE type = 'login.locked_out' AND user_id IS NULL`,
    );
    expect(after.length).toBe(before[0].n + 1);
    expect(after[after.length - 1]).toMatchObject({ user_agent: UA });
    expect(JSON.stringify(after)).not.toContain(WRONG);
  });

  it('publishes typed events on the Nest event bus', async () => {
    const emitter = t.app.get(EventEmitter2);
    const received: AuthEvent[] = [];
    const everything: AuthEvent[] = [];
    const onLogin = (event: AuthEvent) => received.push(event);
    const onAny = (event: AuthEvent) => everything.push(event);
    emitter.on('auth.login.succeeded', onLogin);
    emitter.on('auth.**', onAny);
    try {
      const email = uniqueEmail('bus');
      const registered = await post('/auth/register', { email, password: PASSWORD });
      expect(registered.status).toBe(201);
      const loggedIn = await post('/auth/login', { email, password: PASSWORD });
      expect(loggedIn.status).toBe(200);
      await eventually(() => Promise.resolve(received.length > 0), 2000);
      expect(received).toHaveLength(1);
      const event = received[0];
      expect(event).toEqual({
        type: 'login.succeeded',
        at: expect.any(Date),
        userId: registered.body.user.id,
        sessionId: loggedIn.body.sessionId,
        ip: expect.stringMatching(/127\.0\.0\.1$/),
        userAgent: UA,
        detail: { method: 'password' },
      });
      expect(Math.abs(event.at.getTime() - Date.now())).toBeLessThan(10_000);
      expect(everything.map((e) => e.type)).toEqual([
        'user.registered',
        'email_verification_sent',
        'login.succeeded',
      ]);
      expect(JSON.stringify(everything)).not.toContain(PASSWORD);
    } finally {
      emitter.off('auth.login.succeeded', onLogin);
      emitter.off('auth.**', onAny);
    }
  });
});

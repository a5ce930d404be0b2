/**
 * The cleanup job: sessions and refresh tokens expired or revoked more than AUTH_RETENTION
 * ago are deleted, and audit events older than AUTH_EVENTS_RETENTION (90 days by default);
 * live rows and rows inside the retention windows stay.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CleanupService } from '../../src/maintenance/cleanup.service';
import { tokenId } from '../support/refresh-token';
import { registerUser, startApp, TestApp } from '../support/test-app';

const RETENTION_SECONDS = 3600;

describe('cleanup (AUTH_RETENTION=1h)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      env: { AUTH_RETENTION: String(RETENTION_SECONDS), AUTH_CLEANUP_INTERVAL: '0' },
    });
  });
  afterAll(() => t.close());

  /** A session whose times are SQL intervals relative to now(). */
  async function insertSession(
    userId: string,
    times: { idle: string; absolute?: string; revoked?: string },
  ): Promise<string> {
    const id = randomUUID();
    await t.sql(
      `INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at,
                             absolute_expires_at, revoked_at, revoke_reason)
       VALUES ($1, $2, now() - interval '40 days', now() - interval '40 days',
               now() + $3::interval, now() + $4::interval,
               CASE WHEN $5::text IS NULL THEN NULL ELSE now() + $5::interval END,
               CASE WHEN $5::text IS NULL THEN NULL ELSE 'logout' END)`,
      [id, userId, times.idle, times.absolute ?? '30 days', times.revoked ?? null],
    );
    return id;
  }

  async function insertToken(
    sessionId: string,
    times: { expires: string; rotated?: string },
    parentId: string | null = null,
  ): Promise<string> {
    const id = randomUUID();
    await t.sql(
      `INSERT INTO refresh_tokens (id, session_id, parent_id, secret_hash, created_at, expires_at, rotated_at)
       VALUES ($1, $2, $3, $6, now() - interval '40 days', now() + $4::interval,
               CASE WHEN $5::text IS NULL THEN NULL ELSE now() + $5::interval END)`,
      [id, sessionId, parentId, times.expires, times.rotated ?? null, randomBytes(32)],
    );
    return id;
  }

  async function insertAttempt(email: string, updated: string, lockedUntil: string | null) {
    await t.sql(
      `INSERT INTO login_attempts (email, failed_count, updated_at, locked_until)
       VALUES ($1, 3, now() + $2::interval,
               CASE WHEN $3::text IS NULL THEN NULL ELSE now() + $3::interval END)`,
      [email, updated, lockedUntil],
    );
  }

  it('deletes only what ended longer ago than the retention window', async () => {
    const user = await registerUser(t.http);
    const userId = user.user!.id;

    const live = await insertSession(userId, { idle: '1 day' });
    const revokedLongAgo = await insertSession(userId, { idle: '1 day', revoked: '-2 hours' });
    const revokedRecently = await insertSession(userId, { idle: '1 day', revoked: '-10 minutes' });
    const expiredLongAgo = await insertSession(userId, { idle: '-2 hours' });
    const expiredRecently = await insertSession(userId, { idle: '-10 minutes' });
    const revokedJustOutside = await insertSession(userId, {
      idle: '1 day',
      revoked: `-${RETENTION_SECONDS + 60} seconds`,
    });

    const liveToken = await insertToken(live, { expires: '1 day' });
    const spentButUnexpired = await insertToken(live, { expires: '1 day', rotated: '-3 hours' });
    const expiredTokenLongAgo = await insertToken(live, {
      expires: '-2 hours',
      rotated: '-3 hours',
    });
    const expiredTokenRecently = await insertToken(live, { expires: '-10 minutes' });
    const inRevokedLongAgo = await insertToken(revokedLongAgo, { expires: '1 day' });
    const inRevokedRecently = await insertToken(revokedRecently, { expires: '1 day' });
    const inExpiredLongAgo = await insertToken(expiredLongAgo, { expires: '-2 hours' });
    const inExpiredRecently = await insertToken(expiredRecently, { expires: '-10 minutes' });

    await insertAttempt('old@example.com', '-2 days', null);
    await insertAttempt('old-expired-lock@example.com', '-2 days', '-1 day');
    await insertAttempt('recent@example.com', '-1 hour', null);
    await insertAttempt('still-locked@example.com', '-2 days', '10 minutes');
    const [oldEvent] = await t.sql(
      `INSERT INTO auth_events (type, user_id, at) VALUES ('login.succeeded', $1, now() - interval '91 days') RETURNING id`,
      [userId],
    );
    const [keptEvent] = await t.sql(
      `INSERT INTO auth_events (type, user_id, at) VALUES ('login.succeeded', $1, now() - interval '89 days') RETURNING id`,
      [userId],
    );

    // Pending second steps: one expired (useless), one live (a login half done).
    await t.sql(
      `INSERT INTO mfa_challenges (token_hash, user_id, expires_at, password_changed_at) VALUES
         ('\\x01', $1, now() - interval '1 minute', now()),
         ('\\x02', $1, now() + interval '5 minutes', now())`,
      [userId],
    );
    // Sign-in flows, one-time codes and link tickets of identity providers: expired, live.
    await t.sql(
      `INSERT INTO oidc_flows (state_hash, provider, browser_hash, return_to, expires_at) VALUES
         ('\\x01', 'p', '\\x01', '/', now() - interval '1 minute'),
         ('\\x02', 'p', '\\x02', '/', now() + interval '5 minutes')`,
    );
    await t.sql(
      `INSERT INTO oidc_codes (code_hash, provider, subject, user_id, expires_at) VALUES
         ('\\x01', 'p', 's', $1, now() - interval '1 minute'),
         ('\\x02', 'p', 's', $1, now() + interval '1 minute')`,
      [userId],
    );
    await t.sql(
      `INSERT INTO oidc_link_tickets (ticket_hash, provider, user_id, expires_at) VALUES
         ('\\x01', 'p', $1, now() - interval '1 minute'),
         ('\\x02', 'p', $1, now() + interval '5 minutes')`,
      [userId],
    );

    const result = await t.app.get(CleanupService).runOnce();

    const sessions = (await t.sql('SELECT id FROM sessions')).map((r) => r.id).sort();
    expect(sessions).toEqual([user.sessionId, live, revokedRecently, expiredRecently].sort());
    const tokens = (await t.sql('SELECT id FROM refresh_tokens')).map((r) => r.id).sort();
    expect(tokens).toEqual(
      [
        tokenId(user.refreshToken),
        liveToken,
        spentButUnexpired,
        expiredTokenRecently,
        inRevokedRecently,
        inExpiredRecently,
      ].sort(),
    );
    for (const gone of [revokedLongAgo, expiredLongAgo, revokedJustOutside]) {
      expect(sessions).not.toContain(gone);
    }
    for (const gone of [expiredTokenLongAgo, inRevokedLongAgo, inExpiredLongAgo]) {
      expect(tokens).not.toContain(gone);
    }
    const attempts = (await t.sql('SELECT email FROM login_attempts ORDER BY email')).map(
      (r) => r.email,
    );
    expect(attempts).toEqual(['recent@example.com', 'still-locked@example.com']);

    const events = (await t.sql('SELECT id FROM auth_events')).map((r) => r.id);
    expect(events).toContain(keptEvent.id);
    expect(events).not.toContain(oldEvent.id);

    const challenges = await t.sql(`SELECT encode(token_hash, 'hex') AS h FROM mfa_challenges`);
    expect(challenges).toEqual([{ h: '02' }]);
    for (const [table, key] of [
      ['oidc_flows', 'state_hash'],
      ['oidc_codes', 'code_hash'],
      ['oidc_link_tickets', 'ticket_hash'],
    ]) {
      expect(await t.sql(`SELECT encode(${key}, 'hex') AS h FROM ${table}`)).toEqual([{ h: '02' }]);
    }

    expect(result).toEqual({
      sessions: 3,
      refreshTokens: 1,
      loginAttempts: 2,
      authEvents: 1,
      deletedSessions: 0,
      mfaChallenges: 1,
      passkeyChallenges: 0,
      linkTokens: 0,
      mailOutbox: 0,
      oidcFlows: 1,
      oidcCodes: 1,
      oidcLinkTickets: 1,
    });

    // Nothing left to do on a second run; the live user is untouched.
    expect(await t.app.get(CleanupService).runOnce()).toEqual({
      sessions: 0,
      refreshTokens: 0,
      loginAttempts: 0,
      authEvents: 0,
      deletedSessions: 0,
      mfaChallenges: 0,
      passkeyChallenges: 0,
      linkTokens: 0,
      mailOutbox: 0,
      oidcFlows: 0,
      oidcCodes: 0,
      oidcLinkTickets: 0,
    });
    expect((await t.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
    expect((await t.http.post('/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(
      200,
    );
  });
});

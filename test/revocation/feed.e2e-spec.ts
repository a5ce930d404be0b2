/**
 * The revocation feed, GET /auth/revocations (docs/api.md): its bearer, the snapshot, a
 * `revoked` event within 1 s of every kind of revocation (and, on PostgreSQL, of one made on
 * another instance), heartbeats, the cap on clients, a client that stops reading dropped,
 * and streams ended while this instance cannot vouch for revocations.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { FeedPacing } from '../../src/auth/revocation/feed/feed-pacing';
import { RevocationFeed } from '../../src/auth/revocation/feed/revocation-feed';
import { RevokedSessionSet } from '../../src/auth/revocation/revoked-session-set';
import { refresh, rotate } from '../auth/helpers';
import { EventStream } from '../support/event-stream';
import { expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { usingPostgres } from '../support/test-database';
import {
  eventually,
  login,
  PASSWORD,
  registerUser,
  sleep,
  startApp,
  TestApp,
  uniqueEmail,
} from '../support/test-app';

const shared = usingPostgres();

/** A 503 problem document with Retry-After (expectProblem is for 4xx answers). */
function expectUnavailable(response: HttpResponse): void {
  expect(response.status).toBe(503);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status: 503, code: 'service_unavailable' });
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(response.text).not.toContain(FEED_TOKEN);
}
const FEED_TOKEN = randomBytes(32).toString('base64url');
const MAX_CLIENTS = 4;
const ACCESS_TTL = 900;
const ENV = {
  AUTH_FEED_TOKEN: FEED_TOKEN,
  AUTH_FEED_MAX_CLIENTS: String(MAX_CLIENTS),
  AUTH_REUSE_GRACE: '0', // a replayed refresh token is reuse at once
};

describe(`revocation feed (${shared ? 'two instances, one PostgreSQL' : 'embedded: one instance'})`, () => {
  let a: TestApp;
  /** A second instance on A's database (PostgreSQL); on the embedded database, A itself. */
  let b: TestApp;
  const open: EventStream[] = [];

  const feed = async (app: TestApp = a, token: string | undefined = FEED_TOKEN) => {
    const stream = await EventStream.open(app.url, '/auth/revocations', token);
    open.push(stream);
    return stream;
  };
  const clients = (app: TestApp = a) => app.app.get(RevocationFeed).clientCount;

  beforeAll(async () => {
    a = await startApp({ env: ENV });
    b = shared ? await startApp({ db: a.db, env: ENV }) : a;
  });
  afterEach(async () => {
    for (const stream of open.splice(0)) stream.close();
    await eventually(() => Promise.resolve(clients(a) === 0 && clients(b) === 0));
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    // An open stream must not hold the shutdown up: the feed ends its streams first.
    await feed();
    if (b !== a) await b.close();
    await a.close();
  });

  describe('its bearer', () => {
    it('missing, wrong, a prefix, or an access token: 401 invalid_token, with the security headers', async () => {
      const user = await registerUser(a.http);
      for (const token of [
        undefined,
        'x'.repeat(FEED_TOKEN.length),
        FEED_TOKEN.slice(0, -1),
        `${FEED_TOKEN}x`,
        user.accessToken,
      ]) {
        const response = await a.http.get('/auth/revocations', { token });
        expectProblem(response, 401, 'invalid_token', [FEED_TOKEN]);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      }
      expect(clients()).toBe(0);
    });

    it('the right token: 200 text/event-stream, uncached, with the security headers', async () => {
      const stream = await feed(a, FEED_TOKEN);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers['cache-control']).toBe('no-store');
      expect(stream.headers['x-content-type-options']).toBe('nosniff');
      expect(stream.headers['content-security-policy']).toContain("default-src 'self'");
      expect(stream.headers['x-request-id']).toEqual(expect.any(String));
      await stream.snapshot();
      expect(clients()).toBe(1);
    });

    it('the scheme is case-insensitive (RFC 6750)', async () => {
      const response = await fetch(`${a.url}/auth/revocations`, {
        headers: { authorization: `bEaReR ${FEED_TOKEN}` },
      });
      expect(response.status).toBe(200);
      await response.body?.cancel();
    });
  });

  describe('the snapshot', () => {
    it('lists every session revoked while its access tokens may live, with until, and no live one', async () => {
      const user = await registerUser(a.http);
      const ended = await login(a.http, user.email);
      expect((await a.http.post('/auth/logout', { refreshToken: ended.refreshToken })).status).toBe(
        204,
      );
      const before = Date.now();
      const stream = await feed();
      const { data } = await stream.snapshot();
      const entry = data.sessions.find((s: { sid: string }) => s.sid === ended.sessionId);
      expect(entry).toEqual({ sid: ended.sessionId, until: expect.any(String) });
      // until: past the last token's exp (the TTL after the logout) and its clock leeway.
      const until = Date.parse(entry.until);
      expect(new Date(until).toISOString()).toBe(entry.until);
      expect(until).toBeGreaterThan(before + ACCESS_TTL * 1000 + 30_000);
      expect(until).toBeLessThan(Date.now() + ACCESS_TTL * 1000 + 61_000);
      expect(data.sessions.map((s: { sid: string }) => s.sid)).not.toContain(user.sessionId);
      expect(stream.events[0].event).toBe('snapshot');
    });

    it('on PostgreSQL, B (started after a revocation on A) lists it too', async () => {
      const user = await registerUser(a.http);
      expect((await a.http.post('/auth/logout', { refreshToken: user.refreshToken })).status).toBe(
        204,
      );
      const c = shared ? await startApp({ db: a.db, env: ENV }) : a;
      try {
        const stream = await EventStream.open(c.url, '/auth/revocations', FEED_TOKEN);
        const { data } = await stream.snapshot();
        stream.close();
        expect(data.sessions.map((s: { sid: string }) => s.sid)).toContain(user.sessionId);
      } finally {
        if (c !== a) await c.close();
      }
    });
  });

  describe('a revoked event within 1 s of each kind of revocation, made on A (on PostgreSQL, streamed by B)', () => {
    let stream: EventStream;
    let admin: { accessToken: string };

    beforeAll(async () => {
      const registered = await registerUser(a.http, uniqueEmail('admin'));
      await a.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [registered.user!.id]);
      admin = await login(a.http, registered.email);
    });
    beforeEach(async () => {
      stream = await feed(b); // on PostgreSQL the revocations below are made on A
      await stream.snapshot();
    });

    /** Runs the revocation on A and expects each session's event within 1 s of the answer. */
    async function expectEvents(sids: string[], revoke: () => Promise<number>, status = 204) {
      expect(await revoke()).toBe(status);
      const answered = Date.now();
      for (const sid of sids) {
        const event = await stream.revoked(sid, 3000);
        expect(event.at - answered).toBeLessThan(1000);
        expect(Date.parse(event.data.until)).toBeGreaterThan(answered + ACCESS_TTL * 1000);
      }
    }

    it('logout', async () => {
      const user = await registerUser(a.http);
      await expectEvents(
        [user.sessionId],
        async () => (await a.http.post('/auth/logout', { refreshToken: user.refreshToken })).status,
      );
    });

    it('logout-all: every session of the user', async () => {
      const user = await registerUser(a.http);
      const second = await login(a.http, user.email);
      await expectEvents(
        [user.sessionId, second.sessionId],
        async () =>
          (await a.http.post('/auth/logout-all', undefined, { token: user.accessToken })).status,
      );
    });

    it('session delete', async () => {
      const user = await registerUser(a.http);
      const other = await login(a.http, user.email);
      await expectEvents(
        [other.sessionId],
        async () =>
          (await a.http.delete(`/auth/sessions/${other.sessionId}`, { token: user.accessToken }))
            .status,
      );
    });

    it('password change: every other session', async () => {
      const user = await registerUser(a.http);
      const other = await login(a.http, user.email);
      await expectEvents(
        [other.sessionId],
        async () =>
          (
            await a.http.post(
              '/auth/password',
              { currentPassword: PASSWORD, newPassword: 'another good password' },
              { token: user.accessToken },
            )
          ).status,
      );
      expect(stream.events.map((e) => e.data.sid)).not.toContain(user.sessionId);
    });

    it('refresh token reuse', async () => {
      const user = await registerUser(a.http);
      await rotate(a, user.refreshToken);
      await expectEvents(
        [user.sessionId],
        async () => (await refresh(a, user.refreshToken)).status,
        401,
      );
    });

    it('an administrator disables the account', async () => {
      const user = await registerUser(a.http);
      await expectEvents(
        [user.sessionId],
        async () =>
          (
            await a.http.patch(
              `/users/${user.user!.id}`,
              { disabled: true },
              { token: admin.accessToken },
            )
          ).status,
        200,
      );
    });

    it('an administrator removes a role', async () => {
      const user = await registerUser(a.http);
      await a.sql(`UPDATE users SET roles = '{user,editor}' WHERE id = $1`, [user.user!.id]);
      await expectEvents(
        [user.sessionId],
        async () =>
          (
            await a.http.patch(
              `/users/${user.user!.id}`,
              { roles: ['user'] },
              { token: admin.accessToken },
            )
          ).status,
        200,
      );
    });

    it('the account is deleted (by an administrator, and by its owner)', async () => {
      const user = await registerUser(a.http);
      await expectEvents(
        [user.sessionId],
        async () =>
          (await a.http.delete(`/users/${user.user!.id}`, { token: admin.accessToken })).status,
      );
      const owner = await registerUser(a.http);
      await expectEvents(
        [owner.sessionId],
        async () =>
          (
            await a.http.request('DELETE', '/users/me', {
              body: { password: PASSWORD },
              token: owner.accessToken,
            })
          ).status,
      );
    });
  });

  describe('heartbeats', () => {
    it('the default interval is under the 15 s the contract allows', () => {
      expect(new FeedPacing().heartbeatMs()).toBeLessThanOrEqual(15_000);
    });

    it('a comment line at every interval, between the events', async () => {
      jest.spyOn(a.app.get(FeedPacing), 'heartbeatMs').mockReturnValue(150);
      const stream = await feed();
      await stream.snapshot();
      await stream.waitUntil(() => stream.comments.length >= 4, 3000);
      const gaps = stream.comments.slice(1).map((at, i) => at - stream.comments[i]);
      for (const gap of gaps) expect(gap).toBeLessThan(1000);
      expect(stream.ended).toBe(false);
    });
  });

  describe('the cap on clients', () => {
    it(`past ${MAX_CLIENTS} streams: 503 service_unavailable with Retry-After; a freed slot is taken again`, async () => {
      const streams: EventStream[] = [];
      for (let i = 0; i < MAX_CLIENTS; i++) {
        const stream = await feed();
        expect(stream.status).toBe(200);
        streams.push(stream);
      }
      expectUnavailable(await a.http.get('/auth/revocations', { token: FEED_TOKEN }));
      expect(clients()).toBe(MAX_CLIENTS);

      streams[0].close();
      await eventually(() => Promise.resolve(clients() === MAX_CLIENTS - 1));
      const again = await feed();
      expect(again.status).toBe(200);
      await again.snapshot();
    });
  });

  describe('a client that stops reading', () => {
    it('is dropped once its unread bytes pass the budget; a reading client gets every event', async () => {
      jest.spyOn(a.app.get(FeedPacing), 'maxPendingBytes').mockReturnValue(16 * 1024);
      const reader = await feed();
      await reader.snapshot();
      // A raw socket that sends the request and never reads a byte of the answer.
      const silent: Socket = connect(Number(new URL(a.url).port), '127.0.0.1');
      silent.pause();
      silent.write(
        `GET /auth/revocations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${FEED_TOKEN}\r\n\r\n`,
      );
      try {
        await eventually(() => Promise.resolve(clients() === 2));
        const revoked = a.app.get(RevokedSessionSet);
        let sent = 0;
        // Revocations as the listener hands them over, until the kernel's buffers and then
        // the budget are full (a few MB on loopback); bounded, so a broken rule fails.
        while (clients() === 2 && sent < 200_000) {
          revoked.add(Array.from({ length: 500 }, () => randomUUID()));
          sent += 500;
          await new Promise((resolve) => setImmediate(resolve));
          if (sent % 5000 === 0) await sleep(5);
        }
        expect(clients()).toBe(1);
        await reader.waitUntil(
          () => reader.events.filter((e) => e.event === 'revoked').length === sent,
          10_000,
        );
        expect(reader.ended).toBe(false);
        console.log(`the silent client was dropped after ${sent} revocations`);
      } finally {
        silent.destroy();
      }
    });
  });

  describe('while this instance cannot vouch for revocations', () => {
    it('ends every stream and refuses new ones with 503 until it can again', async () => {
      const stream = await feed();
      await stream.snapshot();
      const revoked = a.app.get(RevokedSessionSet);
      revoked.setTrusted(false); // what the listener does when its connection is lost
      try {
        await stream.waitUntil(() => stream.ended, 2000);
        expectUnavailable(await a.http.get('/auth/revocations', { token: FEED_TOKEN }));
      } finally {
        revoked.setTrusted(true);
      }
      const again = await feed();
      await again.snapshot();
    });
  });
});

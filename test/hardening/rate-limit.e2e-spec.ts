/**
 * Per-client rate limits on login/register (one shared budget) and on refresh (its own),
 * the client being the socket address, or X-Forwarded-For behind a trusted proxy, and the
 * budget being shared by every instance through Redis when REDIS_URL is set.
 */
import { randomInt } from 'node:crypto';
import Redis from 'ioredis';
import { expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { tokenId } from '../support/refresh-token';
import { PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';

function expectRateLimited(response: HttpResponse): number {
  expectProblem(response, 429, 'too_many_requests', [PASSWORD]);
  const retryAfter = response.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  const seconds = Number(retryAfter);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  return seconds;
}

describe('rate limits', () => {
  describe('behind a trusted proxy (TRUST_PROXY=true)', () => {
    let t: TestApp;
    let email: string;
    let ipCounter = 0;
    /** A fresh client address, so each test starts with full budgets. */
    const nextClient = () => `203.0.113.${++ipCounter}`;
    const from = (ip: string, headers: Record<string, string> = {}) => ({
      headers: { 'x-forwarded-for': ip, ...headers },
    });

    beforeAll(async () => {
      t = await startApp({
        env: { AUTH_LOGIN_RATE_LIMIT: '3', AUTH_REFRESH_RATE_LIMIT: '4', TRUST_PROXY: 'true' },
      });
      email = uniqueEmail('rl');
      const response = await t.http.post(
        '/auth/register',
        { email, password: PASSWORD },
        from(nextClient()),
      );
      expect(response.status).toBe(201);
    });
    afterAll(() => t.close());

    it('refuses the 4th login from one client within a minute with 429 and Retry-After', async () => {
      const ip = nextClient();
      for (let i = 0; i < 3; i++) {
        const response = await t.http.post('/auth/login', { email, password: PASSWORD }, from(ip));
        expect(response.status).toBe(200);
      }
      const fourth = await t.http.post('/auth/login', { email, password: PASSWORD }, from(ip));
      expectRateLimited(fourth);
      expect(fourth.headers.get('set-cookie')).toBeNull();
    });

    it('counts every request: failed, malformed and refused ones alike', async () => {
      const ip = nextClient();
      const wrong = await t.http.post(
        '/auth/login',
        { email, password: 'wrong password' },
        from(ip),
      );
      expect(wrong.status).toBe(401);
      const malformed = await t.http.post('/auth/login', { email: 'nope' }, from(ip));
      expect(malformed.status).toBe(400);
      const unknown = await t.http.post(
        '/auth/login',
        { email: uniqueEmail(), password: PASSWORD },
        from(ip),
      );
      expect(unknown.status).toBe(401);
      expectRateLimited(await t.http.post('/auth/login', { email, password: PASSWORD }, from(ip)));
    });

    it('gives login and register one shared budget', async () => {
      const ip = nextClient();
      const first = await t.http.post(
        '/auth/register',
        { email: uniqueEmail(), password: PASSWORD },
        from(ip),
      );
      expect(first.status).toBe(201);
      expect(
        (await t.http.post('/auth/login', { email, password: PASSWORD }, from(ip))).status,
      ).toBe(200);
      const third = await t.http.post(
        '/auth/register',
        { email: uniqueEmail(), password: PASSWORD },
        from(ip),
      );
      expect(third.status).toBe(201);
      const fourth = await t.http.post(
        '/auth/register',
        { email: uniqueEmail(), password: PASSWORD },
        from(ip),
      );
      expectRateLimited(fourth);
      expectRateLimited(await t.http.post('/auth/login', { email, password: PASSWORD }, from(ip)));
    });

    it('gives refresh its own budget (AUTH_REFRESH_RATE_LIMIT), and a refused refresh spends nothing', async () => {
      const ip = nextClient();
      for (let i = 0; i < 3; i++) await t.http.post('/auth/login', { email }, from(ip));
      expectRateLimited(await t.http.post('/auth/login', { email, password: PASSWORD }, from(ip)));

      const session = await registerUser(t.http);
      let refreshToken = session.refreshToken;
      for (let i = 0; i < 4; i++) {
        const response = await t.http.post('/auth/refresh', { refreshToken }, from(ip));
        expect(response.status).toBe(200);
        refreshToken = response.body.refreshToken;
      }
      const fifth = await t.http.post('/auth/refresh', { refreshToken }, from(ip));
      expectRateLimited(fifth);
      expect(fifth.text).not.toContain(refreshToken);
      const rows = await t.sql('SELECT rotated_at FROM refresh_tokens WHERE id = $1', [
        tokenId(refreshToken),
      ]);
      expect(rows).toEqual([{ rotated_at: null }]);
      // The token is still good from another client.
      const elsewhere = await t.http.post('/auth/refresh', { refreshToken }, from(nextClient()));
      expect(elsewhere.status).toBe(200);
    });

    it('gives each X-Forwarded-For client its own budget', async () => {
      const a = nextClient();
      const b = nextClient();
      for (let i = 0; i < 3; i++)
        await t.http.post('/auth/login', { email, password: PASSWORD }, from(a));
      expectRateLimited(await t.http.post('/auth/login', { email, password: PASSWORD }, from(a)));
      const other = await t.http.post('/auth/login', { email, password: PASSWORD }, from(b));
      expect(other.status).toBe(200);
      // The address recorded on the session is the forwarded client's.
      const rows = await t.sql('SELECT ip FROM sessions WHERE id = $1', [other.body.sessionId]);
      expect(rows).toEqual([{ ip: b }]);
    });
  });

  describe('without a trusted proxy (TRUST_PROXY=false)', () => {
    let t: TestApp;
    let email: string;

    beforeAll(async () => {
      t = await startApp({ env: { AUTH_LOGIN_RATE_LIMIT: '3', TRUST_PROXY: 'false' } });
      email = (await registerUser(t.http)).email; // one of the socket's 3 requests
    });
    afterAll(() => t.close());

    it('ignores X-Forwarded-For: every request counts against the socket address', async () => {
      const spoofed = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];
      const first = await t.http.post(
        '/auth/login',
        { email, password: PASSWORD },
        { headers: { 'x-forwarded-for': spoofed[0] } },
      );
      expect(first.status).toBe(200);
      const rows = await t.sql('SELECT ip FROM sessions WHERE id = $1', [first.body.sessionId]);
      expect(rows[0].ip).not.toBe(spoofed[0]);
      expect(rows[0].ip).toMatch(/127\.0\.0\.1$/);
      const second = await t.http.post(
        '/auth/login',
        { email, password: PASSWORD },
        { headers: { 'x-forwarded-for': spoofed[1] } },
      );
      expect(second.status).toBe(200);
      for (const ip of spoofed.slice(2)) {
        expectRateLimited(
          await t.http.post(
            '/auth/login',
            { email, password: PASSWORD },
            { headers: { 'x-forwarded-for': ip } },
          ),
        );
      }
    });
  });

  const redisUrl = process.env.LATCH_TEST_REDIS_URL;
  if (redisUrl) {
    describe('shared through Redis (LATCH_TEST_REDIS_URL)', () => {
      let a: TestApp;
      let b: TestApp;
      let redis: Redis;
      /** A client address of this run alone: a key space no other run or spec touches. */
      const client = `198.18.${randomInt(0, 256)}.${randomInt(1, 255)}`;
      const otherClient = `198.19.${randomInt(0, 256)}.${randomInt(1, 255)}`;
      const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
      const env = {
        REDIS_URL: redisUrl,
        TRUST_PROXY: 'true',
        AUTH_LOGIN_RATE_LIMIT: '3',
        AUTH_REFRESH_RATE_LIMIT: '2',
      };

      async function keysOf(ip: string): Promise<string[]> {
        const found: string[] = [];
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `latch:rl:*:${ip}`, 'COUNT', 1000);
          cursor = next;
          found.push(...keys);
        } while (cursor !== '0');
        return found;
      }

      beforeAll(async () => {
        redis = new Redis(redisUrl);
        a = await startApp({ env });
        b = await startApp({ env });
      });
      afterAll(async () => {
        const keys = [...(await keysOf(client)), ...(await keysOf(otherClient))];
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
        await b.close();
        await a.close();
      });

      it('makes two instances spend from one login budget', async () => {
        const email = uniqueEmail('redis');
        const registered = await a.http.post(
          '/auth/register',
          { email, password: PASSWORD },
          from(client),
        );
        expect(registered.status).toBe(201);
        // The same email exists only in A's database; B's answer still costs budget.
        expect(
          (await b.http.post('/auth/login', { email, password: PASSWORD }, from(client))).status,
        ).toBe(401);
        expect(
          (await a.http.post('/auth/login', { email, password: PASSWORD }, from(client))).status,
        ).toBe(200);
        expectRateLimited(
          await b.http.post('/auth/login', { email, password: PASSWORD }, from(client)),
        );
        expectRateLimited(
          await a.http.post('/auth/login', { email, password: PASSWORD }, from(client)),
        );
        const keys = await keysOf(client);
        expect(keys.length).toBeGreaterThan(0);
        expect(keys).toHaveLength(1);
        expect(keys[0]).toMatch(/^latch:rl:login:/);
        expect(keys[0].endsWith(`:${client}`)).toBe(true);
        // Another client is not affected.
        expect(
          (await a.http.post('/auth/login', { email, password: PASSWORD }, from(otherClient)))
            .status,
        ).toBe(200);
      });

      it('makes two instances spend from one refresh budget, apart from login', async () => {
        // Registered as the other client: no budget of a real address (127.0.0.1) is touched.
        const session = await a.http.post(
          '/auth/register',
          { email: uniqueEmail('redis'), password: PASSWORD },
          from(otherClient),
        );
        expect(session.status).toBe(201);
        const first = await a.http.post(
          '/auth/refresh',
          { refreshToken: session.body.refreshToken },
          from(client),
        );
        expect(first.status).toBe(200);
        // B has no such token (its own database) but spends the shared budget all the same.
        const second = await b.http.post(
          '/auth/refresh',
          { refreshToken: first.body.refreshToken },
          from(client),
        );
        expect(second.status).toBe(401);
        expectRateLimited(
          await a.http.post(
            '/auth/refresh',
            { refreshToken: first.body.refreshToken },
            from(client),
          ),
        );
        const keys = await keysOf(client);
        expect(keys.filter((key) => key.startsWith('latch:rl:refresh:'))).toHaveLength(1);
      });
    });
  }
});

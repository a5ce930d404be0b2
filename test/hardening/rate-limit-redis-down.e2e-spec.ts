/**
 * With REDIS_URL set and Redis unreachable, rate limits are still enforced, by counters of
 * the instance alone, and the service says so once per outage: one warning when Redis goes
 * away, one info line when it is back (then the counters are in Redis again).
 */
import { randomInt } from 'node:crypto';
import Redis from 'ioredis';
import { freePort, LatchProcess } from '../support/latch-process';
import { TcpProxy } from '../support/tcp-proxy';
import { eventually, PASSWORD, uniqueEmail } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const WARNING = /Redis unreachable/;
const RECOVERY = /Redis reachable again/;

function messages(latch: LatchProcess): { level: number; msg: string }[] {
  return latch.logs
    .trim()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as { level: number; msg: string }];
      } catch {
        return [];
      }
    });
}
const count = (latch: LatchProcess, pattern: RegExp) =>
  messages(latch).filter((line) => pattern.test(String(line.msg))).length;

describe('rate limits while Redis is unreachable', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('are enforced per instance when nothing listens at REDIS_URL, with one warning', async () => {
    const latch = await LatchProcess.spawn({
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      AUTH_LOGIN_RATE_LIMIT: '3',
      AUTH_LOCKOUT_THRESHOLD: '0',
      LOG_LEVEL: 'info',
    });
    try {
      await latch.waitHealthy();
      const email = uniqueEmail('rl-down');
      expect((await latch.http.post('/auth/register', { email, password: PASSWORD })).status).toBe(
        201,
      );
      for (let i = 0; i < 2; i++) {
        const login = await latch.http.post('/auth/login', { email, password: PASSWORD });
        expect(login.status).toBe(200);
      }
      const refused = await latch.http.post('/auth/login', { email, password: PASSWORD });
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('too_many_requests');
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);

      // ioredis keeps retrying in the background; that is still one outage, one line.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await latch.http.post('/auth/login', { email, password: PASSWORD });
      const warnings = messages(latch).filter((line) => WARNING.test(String(line.msg)));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].level).toBe(40);
      expect(latch.logs).not.toMatch(/not enforced/);
    } finally {
      await latch.stop('SIGKILL');
    }
  });

  const redisUrl = process.env.LATCH_TEST_REDIS_URL;
  (redisUrl ? it : it.skip)(
    'fall back when Redis goes away and return to it when it is back (LATCH_TEST_REDIS_URL)',
    async () => {
      const redis = new Redis(redisUrl!);
      const target = new URL(redisUrl!);
      const proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379));
      const proxied = new URL(redisUrl!);
      proxied.port = String(proxy.port);
      /** Client addresses of this run alone: key spaces no other run touches. */
      const clients = [1, 2, 3].map(() => `198.18.${randomInt(0, 256)}.${randomInt(1, 255)}`);
      const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
      const key = (ip: string) => `latch:rl:login:login:${ip}`;
      const latch = await LatchProcess.spawn({
        DATA_DIR: db.dataDir,
        DATABASE_URL: db.url,
        REDIS_URL: proxied.toString(),
        TRUST_PROXY: 'true',
        AUTH_LOGIN_RATE_LIMIT: '3',
        AUTH_LOCKOUT_THRESHOLD: '0',
        LOG_LEVEL: 'info',
      });
      try {
        await latch.waitHealthy();
        const email = uniqueEmail('rl-back');
        const body = { email, password: PASSWORD };
        expect((await latch.http.post('/auth/register', body, from(clients[0]))).status).toBe(201);
        expect(await redis.get(key(clients[0]))).toBe('1');

        await proxy.cut();
        await eventually(() => Promise.resolve(count(latch, WARNING) === 1), 10_000);
        for (let i = 0; i < 3; i++) {
          expect((await latch.http.post('/auth/login', body, from(clients[1]))).status).toBe(200);
        }
        expect((await latch.http.post('/auth/login', body, from(clients[1]))).status).toBe(429);
        expect(await redis.exists(key(clients[1]))).toBe(0); // counted in the instance

        await proxy.restore();
        await eventually(() => Promise.resolve(count(latch, RECOVERY) === 1), 10_000);
        expect((await latch.http.post('/auth/login', body, from(clients[2]))).status).toBe(200);
        expect(await redis.get(key(clients[2]))).toBe('1');
        expect(count(latch, WARNING)).toBe(1);
        expect(count(latch, RECOVERY)).toBe(1);
      } finally {
        await latch.stop('SIGKILL');
        await proxy.close();
        await redis.del(...clients.map(key));
        await redis.quit();
      }
    },
  );
});

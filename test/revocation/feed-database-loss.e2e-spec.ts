/**
 * The revocation feed when the instance loses its database (and with it the LISTEN connection
 * that tells it of revocations on other instances): its streams end, so every client knows the
 * feed is lost, and new ones get 503 until the listener is back; then streaming resumes.
 */
import { randomBytes } from 'node:crypto';
import { createCuttableDatabase, CuttableDatabase } from '../support/cuttable-database';
import { EventStream } from '../support/event-stream';
import { eventually, registerUser, startApp, TestApp } from '../support/test-app';

const FEED_TOKEN = randomBytes(32).toString('base64url');

describe('revocation feed across a database loss', () => {
  let database: CuttableDatabase;
  let t: TestApp;

  beforeAll(async () => {
    database = await createCuttableDatabase();
    t = await startApp({
      db: database.db,
      databaseUrl: database.url,
      env: { ...database.env, AUTH_FEED_TOKEN: FEED_TOKEN },
    });
  });
  afterAll(async () => {
    await t.close();
    await database.close();
  });

  it('ends every stream when the listener is lost, answers 503 meanwhile, streams again after', async () => {
    const stream = await EventStream.open(t.url, '/auth/revocations', FEED_TOKEN);
    await stream.snapshot();

    await database.proxy.cut();
    const cutAt = Date.now();
    await stream.waitUntil(() => stream.ended, 5000);
    console.log(`feed stream ended ${Date.now() - cutAt} ms after the database was cut`);
    const refused = await t.http.get('/auth/revocations', { token: FEED_TOKEN });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'service_unavailable' });

    await database.proxy.restore();
    let again: EventStream | undefined;
    await eventually(
      async () => {
        again?.close();
        again = await EventStream.open(t.url, '/auth/revocations', FEED_TOKEN);
        return again.status === 200;
      },
      15_000,
      100,
    );
    try {
      await again!.snapshot();
      const user = await registerUser(t.http);
      expect((await t.http.post('/auth/logout', { refreshToken: user.refreshToken })).status).toBe(
        204,
      );
      const answered = Date.now();
      const event = await again!.revoked(user.sessionId, 3000);
      expect(event.at - answered).toBeLessThan(1000);
    } finally {
      again?.close();
    }
  });
});

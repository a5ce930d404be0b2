import { createCuttableDatabase, CuttableDatabase } from '../support/cuttable-database';
import { sample, scrape } from '../support/metrics';
import { eventually, startApp, TestApp } from '../support/test-app';

/**
 * latch_revocation_listener_up follows the LISTEN connection: 0 once the connection to the
 * database is lost (within the listener's heartbeat), 1 again once it reconnects. Scrapes
 * keep answering meanwhile: the gauge reads the listener's state, not the database.
 */
describe('the revocation listener gauge when the database connection drops', () => {
  let database: CuttableDatabase;
  let t: TestApp;

  beforeAll(async () => {
    database = await createCuttableDatabase();
    t = await startApp({
      db: database.db,
      databaseUrl: database.url,
      env: { ...database.env, METRICS_PORT: '0' },
    });
  });
  afterAll(async () => {
    await t.close();
    await database.close();
  });

  const listenerUp = async () => sample(await scrape(t), 'latch_revocation_listener_up');

  it('reads 1 while listening, 0 after the cut, 1 after the reconnection', async () => {
    expect(await listenerUp()).toBe(1);
    await database.proxy.cut();
    const downAfter = await eventually(async () => (await listenerUp()) === 0, 10_000, 50);
    // The heartbeat bounds how long a silent loss goes unseen (about 2 s, revocation-listener.ts).
    expect(downAfter).toBeLessThan(5000);
    await database.proxy.restore();
    await eventually(async () => (await listenerUp()) === 1, 15_000, 100);
  });
});

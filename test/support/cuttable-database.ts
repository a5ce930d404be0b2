import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { TcpProxy } from './tcp-proxy';
import { createTestDatabase, TestDatabase } from './test-database';

/** A fresh test database that an app reaches through a loopback proxy the test can cut. */
export interface CuttableDatabase {
  db: TestDatabase;
  proxy: TcpProxy;
  /** The URL an app connects to: the proxy's. */
  url: string;
  /** Settings the app needs on this database (PGlite is one session: one connection). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * On PostgreSQL the proxy fronts the test server; on the embedded pass the "server" is a
 * PGlite of the test's own, served over the wire protocol on its Unix socket as the app
 * itself serves it, with the proxy giving it a TCP port.
 */
export async function createCuttableDatabase(): Promise<CuttableDatabase> {
  const db = await createTestDatabase();
  const embedded = db.url
    ? undefined
    : await EmbeddedPostgres.start(mkdtempSync(join(tmpdir(), 'latch-pgl-')), 16);
  const server = new URL(db.url ?? 'postgres://postgres@127.0.0.1/postgres');
  const proxy = embedded
    ? await TcpProxy.toSocket(embedded.socketPath)
    : await TcpProxy.start(server.hostname, Number(server.port || 5432));
  const proxied = new URL(server.toString());
  proxied.port = String(proxy.port);
  return {
    db,
    proxy,
    url: proxied.toString(),
    env: embedded ? { DB_POOL_SIZE: '1' } : {},
    close: async () => {
      await proxy.close();
      await embedded?.stop();
      await db.drop();
    },
  };
}

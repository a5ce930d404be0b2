import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { initialiseFromTemplate } from './embedded-template';

/**
 * PostgreSQL compiled to WASM (PGlite), kept under DATA_DIR and served over the wire
 * protocol on a private loopback port, so the ordinary `pg` driver and the same migrations
 * serve both the embedded and the external database.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  static async start(dataDir: string, maxConnections: number): Promise<EmbeddedPostgres> {
    const dir = join(dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await initialiseFromTemplate(dir);
    const db = await PGlite.create(dir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    return new EmbeddedPostgres(
      db,
      server,
      `postgres://postgres@${server.getServerConn()}/postgres`,
    );
  }

  /** Stops serving, then closes the database so everything is flushed to disk. */
  async stop(): Promise<void> {
    await this.server.stop();
    if (!this.db.closed) await this.db.close();
  }
}

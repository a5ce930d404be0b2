import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialiseFromTemplate } from './embedded-template';

/** The file name `pg` looks for in a socket directory: `<host>/.s.PGSQL.<port>`. */
const SOCKET_PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
/** sun_path holds 108 bytes on Linux (104 on macOS), the terminating NUL included. */
const MAX_SOCKET_PATH = 103;

/**
 * PostgreSQL compiled to WASM (PGlite), kept under DATA_DIR and served over the wire
 * protocol, so the ordinary `pg` driver and the same migrations serve both the embedded and
 * the external database.
 *
 * pglite-socket does no authentication (every user and password is accepted), so it is
 * never served on TCP: it listens on a Unix socket (mode 0600) in a directory of mode 0700
 * that belongs to this user, DATA_DIR/run, or a private temporary directory when that path
 * is too long for a socket address. No other user of the machine can reach it.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    /** The socket file. */
    readonly socketPath: string,
    private readonly temporaryDir: string | undefined,
  ) {}

  /** The `pg` connection string: the socket's directory as the (URL-encoded) host. */
  get url(): string {
    const dir = this.socketPath.slice(0, -SOCKET_NAME.length - 1);
    return `postgres://postgres@${encodeURIComponent(dir)}:${SOCKET_PORT}/postgres`;
  }

  /**
   * `schema`: Latch's tables live there. pglite-socket ignores a connection's startup
   * parameters (search_path among them), but every socket shares PGlite's one session, so
   * the session's search_path is set once here.
   */
  static async start(
    dataDir: string,
    maxConnections: number,
    schema = 'public',
  ): Promise<EmbeddedPostgres> {
    const dir = join(dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await initialiseFromTemplate(dir);
    const { socketDir, temporary } = privateSocketDir(dataDir);
    const socketPath = join(socketDir, SOCKET_NAME);
    await removeStaleSocket(socketPath);
    const db = await PGlite.create(dir);
    if (schema !== 'public') await db.exec(`SET search_path TO "${schema}", public`);
    const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections });
    try {
      await server.start();
      chmodSync(socketPath, 0o600); // the 0700 directory already kept everyone else out
    } catch (error) {
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
      if (temporary) rmSync(socketDir, { recursive: true, force: true });
      throw error;
    }
    return new EmbeddedPostgres(db, server, socketPath, temporary ? socketDir : undefined);
  }

  /** Stops serving, then closes the database so everything is flushed to disk. */
  async stop(): Promise<void> {
    await this.server.stop(); // closing the listener removes the socket file
    if (!this.db.closed) await this.db.close();
    if (this.temporaryDir) rmSync(this.temporaryDir, { recursive: true, force: true });
  }
}

/** DATA_DIR/run, made or tightened to 0700, when the socket path fits; else a fresh temp dir. */
function privateSocketDir(dataDir: string): { socketDir: string; temporary: boolean } {
  const socketDir = join(dataDir, 'run');
  if (join(socketDir, SOCKET_NAME).length > MAX_SOCKET_PATH) {
    return { socketDir: mkdtempSync(join(tmpdir(), 'latch-pg-')), temporary: true };
  }
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(socketDir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) {
    throw new Error(`${socketDir} must be a directory owned by the user running Latch`);
  }
  chmodSync(socketDir, 0o700);
  return { socketDir, temporary: false };
}

/** A socket file left by a process that died is removed; a live one means DATA_DIR is in use. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  try {
    lstatSync(socketPath);
  } catch {
    return; // none
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection({ path: socketPath });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) {
    throw new Error(
      `the embedded database in ${socketPath} is served by another process; stop it first`,
    );
  }
  unlinkSync(socketPath);
}

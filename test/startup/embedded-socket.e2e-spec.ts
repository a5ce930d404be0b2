/**
 * The embedded database (DATABASE_URL unset) accepts any user without a password, so it must
 * be reachable by this service alone: a Unix socket of mode 0600 in a directory of mode 0700
 * under DATA_DIR, and no TCP port. Runs on the embedded database whatever DATABASE_URL says.
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LatchProcess } from '../support/latch-process';
import { PASSWORD, uniqueEmail } from '../support/test-app';

const run = promisify(execFile);

/** The TCP ports a process listens on, from /proc (Linux). */
function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined; // closed meanwhile
        }
      })
      .filter((inode): inode is string => inode !== undefined),
  );
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local, , state, , , , , , inode] = fields;
      if (state === '0A' && inodes.has(inode)) ports.push(parseInt(local.split(':')[1], 16));
    }
  }
  return ports.sort();
}

describe('embedded database socket', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'latch-sock-'));
  let latch: LatchProcess;

  beforeAll(async () => {
    chmodSync(dataDir, 0o755); // as a DATA_DIR in a shared checkout may well be
    latch = await LatchProcess.spawn({ DATA_DIR: dataDir, AUTH_LOGIN_RATE_LIMIT: '0' });
    await latch.waitHealthy();
  });
  afterAll(async () => {
    await latch.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the database on a Unix socket only this user can open, and no TCP port', async () => {
    const email = uniqueEmail('sock');
    const registered = await latch.http.post('/auth/register', { email, password: PASSWORD });
    expect(registered.status).toBe(201);
    const login = await latch.http.post('/auth/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);

    // The HTTP port is the only TCP port the service listens on.
    expect(listeningTcpPorts(latch.child.pid!)).toEqual([Number(latch.port)]);

    const socketDir = join(dataDir, 'run');
    const socket = statSync(join(socketDir, '.s.PGSQL.5432'));
    expect(socket.isSocket()).toBe(true);
    expect((socket.mode & 0o777).toString(8)).toBe('600');
    expect((statSync(socketDir).mode & 0o777).toString(8)).toBe('700');
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? it : it.skip)('refuses a process of another user (here: nobody)', async () => {
    const probe = `require('net').connect(process.argv[1])
      .on('connect', () => { console.log('connected'); process.exit(0); })
      .on('error', (e) => { console.log(e.code); process.exit(0); });`;
    const { stdout } = await run(
      process.execPath,
      ['-e', probe, join(dataDir, 'run', '.s.PGSQL.5432')],
      { uid: 65534, gid: 65534, cwd: '/', env: { PATH: process.env.PATH } },
    );
    expect(stdout.trim()).toBe('EACCES');
  });
});

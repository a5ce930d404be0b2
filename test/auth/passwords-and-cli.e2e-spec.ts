import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { login, PASSWORD, registerUser, startApp, uniqueEmail } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli');

/** Runs a built CLI command with `input` on its standard input; resolves with its exit code and output. */
async function cli(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  input = '',
) {
  try {
    const running = run(process.execPath, [join(CLI, `${command}.js`), ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    running.child.stdin?.end(input);
    const { stdout, stderr } = await running;
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

/** [memory KiB, iterations, parallelism] of the stored argon2 hash (PHC string). */
const hashParams = async (
  t: { sql: (q: string, p: unknown[]) => Promise<any[]> },
  email: string,
) => {
  const rows = await t.sql('SELECT password_hash FROM users WHERE email = $1', [email]);
  const params = String(rows[0].password_hash).split('$')[3]; // "m=19456,t=2,p=1" in some order
  const value = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(params)?.[1]);
  return [value('m'), value('t'), value('p')];
};

describe('password hashes made with older parameters', () => {
  it('are upgraded at the next successful login, and only then', async () => {
    const db = await createTestDatabase();
    try {
      const weak = { AUTH_ARGON2_MEMORY_KIB: '8192', AUTH_ARGON2_ITERATIONS: '1' };
      const before = await startApp({ db, env: weak });
      const email = uniqueEmail('rehash');
      await registerUser(before.http, email);
      expect(await hashParams(before, email)).toEqual([8192, 1, 1]);
      await before.close();

      const after = await startApp({ db });
      try {
        const wrong = await after.http.post('/auth/login', { email, password: 'wrong password' });
        expect(wrong.status).toBe(401);
        expect(await hashParams(after, email)).toEqual([8192, 1, 1]);

        await login(after.http, email, PASSWORD);
        expect(await hashParams(after, email)).toEqual([19456, 2, 1]);
        await login(after.http, email, PASSWORD); // the new hash verifies the same password
      } finally {
        await after.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('operator commands', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('user:create makes an administrator who can list users', async () => {
    const env = { DATA_DIR: db.dataDir, DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
    const email = uniqueEmail('admin');
    const created = await cli(
      'user-create',
      ['--email', ` ${email.toUpperCase()} `, '--password', PASSWORD, '--role', 'admin'],
      env,
    );
    expect(created.code).toBe(0);
    expect(created.output).toContain(email);
    expect(created.output).not.toContain(PASSWORD);

    const again = await cli('user-create', ['--email', email, '--password', PASSWORD], env);
    expect(again.code).not.toBe(0);
    expect(again.output).toMatch(/already exists/);

    const invalid = await cli(
      'user-create',
      ['--email', 'not-an-email', '--password', 'short'],
      env,
    );
    expect(invalid.code).not.toBe(0);
    expect(invalid.output).toMatch(/email/);

    // With the embedded database the command must run while the service is stopped.
    const t = await startApp({ db });
    try {
      const session = await login(t.http, email, PASSWORD);
      const users = await t.http.get('/users', { token: session.accessToken });
      expect(users.status).toBe(200);
      expect(users.body.map((u: { email: string }) => u.email)).toContain(email);
    } finally {
      await t.close();
    }
  });

  it('user:create reads the password from standard input when --password is left out', async () => {
    const env = { DATA_DIR: db.dataDir, DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
    const email = uniqueEmail('stdin');
    const password = 'piped in, never on the command line';
    const created = await cli('user-create', ['--email', email], env, `${password}\nignored\n`);
    expect(created.code).toBe(0);
    expect(created.output).toContain(email);
    expect(created.output).not.toContain(password);

    const empty = await cli('user-create', ['--email', uniqueEmail('stdin')], env, '');
    expect(empty.code).not.toBe(0);
    expect(empty.output).toMatch(/standard input/);

    const usage = await cli('user-create', ['--help', 'yes'], env);
    expect(usage.output).toMatch(/--password P is visible to every user/);

    const t = await startApp({ db });
    try {
      await login(t.http, email, password);
      const wrong = await t.http.post('/auth/login', { email, password: `${password}\n` });
      expect(wrong.status).toBe(401); // the line ending is not part of the password
    } finally {
      await t.close();
    }
  });

  it('keys:rotate adds a signing key and keys:retire moves one out, never the last', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'latch-keys-'));
    const env = { JWT_KEYS_DIR: keysDir };
    const first = await cli('keys-rotate', [], env);
    expect(first.code).toBe(0);
    const onlyKid = /key (\S+) in/.exec(first.output)![1];
    const refused = await cli('keys-retire', [onlyKid], env);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/only signing key/);

    const second = await cli('keys-rotate', [], env);
    expect(second.code).toBe(0);
    expect(readdirSync(keysDir).filter((f) => f.endsWith('.pem'))).toHaveLength(2);

    const retired = await cli('keys-retire', [onlyKid], env);
    expect(retired.code).toBe(0);
    const left = readdirSync(keysDir).filter((f) => f.endsWith('.pem'));
    expect(left).toHaveLength(1);
    expect(left[0]).not.toContain(onlyKid);
    expect(readdirSync(join(keysDir, 'retired'))[0]).toContain(onlyKid);

    const unknown = await cli('keys-retire', ['no-such-kid'], env);
    expect(unknown.code).not.toBe(0);
  });
});

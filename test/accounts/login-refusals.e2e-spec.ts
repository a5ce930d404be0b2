/**
 * A right password that opens no session: a disabled account (403 account_disabled) and,
 * with AUTH_REQUIRE_VERIFIED_EMAIL=true, an unverified one (403 email_not_verified). A wrong
 * password is 401 invalid_credentials either way, and the lockout treats the refused right
 * password as neither a failure nor a success. `user:create --verified` makes a user who can
 * log in under the requirement.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { countRows } from '../auth/helpers';
import { expectProblem } from '../support/forge';
import { login, PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'user-create.js');

async function userCreate(args: string[], db: TestDatabase) {
  const { stdout } = await run(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
    },
  });
  return stdout;
}

const loginWith = (t: TestApp, email: string, password: string) =>
  t.http.post('/auth/login', { email, password });

describe('AUTH_REQUIRE_VERIFIED_EMAIL=true', () => {
  let db: TestDatabase;
  let t: TestApp;
  const verifiedEmail = uniqueEmail('operator');

  beforeAll(async () => {
    db = await createTestDatabase();
    // With the embedded database the command must run while the service is stopped.
    const output = await userCreate(
      ['--email', verifiedEmail, '--password', PASSWORD, '--verified', '--role', 'admin'],
      db,
    );
    expect(output).toMatch(/address verified/);
    await userCreate(['--email', uniqueEmail('plain'), '--password', PASSWORD], db);
    t = await startApp({ db, env: { AUTH_REQUIRE_VERIFIED_EMAIL: 'true' } });
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('register answers 201 {user}: no tokens, no cookie, no session', async () => {
    const email = uniqueEmail();
    const response = await t.http.post('/auth/register', { email, password: PASSWORD });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body)).toEqual(['user']);
    expect(response.body.user).toMatchObject({ email, emailVerified: false, roles: ['user'] });
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(
      await countRows(t, `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [
        response.body.user.id,
      ]),
    ).toBe(0);
  });

  it('login: right password of an unverified account 403 email_not_verified, wrong 401', async () => {
    const email = uniqueEmail();
    await t.http.post('/auth/register', { email, password: PASSWORD });
    const right = await loginWith(t, email, PASSWORD);
    expectProblem(right, 403, 'email_not_verified', [PASSWORD]);
    expect(right.headers.get('set-cookie')).toBeNull();
    expectProblem(await loginWith(t, email, 'wrong password'), 401, 'invalid_credentials');
    expectProblem(await loginWith(t, uniqueEmail('nobody'), PASSWORD), 401, 'invalid_credentials');

    await t.sql(`UPDATE users SET email_verified = true WHERE email = $1`, [email]);
    await login(t.http, email);
  });

  it('user:create --verified makes a user who can log in; without it, 403', async () => {
    const session = await login(t.http, verifiedEmail);
    const me = await t.http.get('/users/me', { token: session.accessToken });
    expect(me.body).toMatchObject({ email: verifiedEmail, emailVerified: true, roles: ['admin'] });
    const [plain] = await t.sql<{ email: string }>(
      `SELECT email FROM users WHERE email LIKE 'plain-%'`,
    );
    expectProblem(await loginWith(t, plain.email, PASSWORD), 403, 'email_not_verified');
  });

  it('documents both shapes of the register answer in /docs-json', async () => {
    const doc = (await t.http.get('/docs-json')).body;
    const created = doc.paths['/auth/register'].post.responses['201'];
    const schema = created.content['application/json'].schema;
    expect(schema.oneOf.map((s: { $ref: string }) => s.$ref)).toEqual([
      '#/components/schemas/RegisterResponse',
      '#/components/schemas/UnverifiedRegisterResponse',
    ]);
    expect(doc.paths['/users/{id}'].patch.requestBody).toBeDefined();
    expect(doc.paths['/users/{id}'].delete).toBeDefined();
    expect(doc.paths['/users/me'].delete.requestBody).toBeDefined();
    const list = doc.paths['/users'].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(expect.arrayContaining(['limit', 'offset']));
    expect(doc.components.schemas.AdminUserView.properties.disabled).toBeDefined();
    expect(doc.components.schemas.UpdateUserDto.properties).toHaveProperty('roles');
  });
});

describe('a disabled account and the lockout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { AUTH_LOCKOUT_THRESHOLD: '3' } });
  });
  afterAll(() => t.close());

  it('a right password is neither a failure nor a success: the count is kept as it was', async () => {
    const user = await registerUser(t.http);
    await t.sql(`UPDATE users SET disabled = true WHERE id = $1`, [user.user!.id]);
    expectProblem(await loginWith(t, user.email, 'wrong 1'), 401, 'invalid_credentials');
    expectProblem(await loginWith(t, user.email, 'wrong 2'), 401, 'invalid_credentials');
    // Were it a failure, this would lock the address (3); were it a success, reset the count.
    for (let i = 0; i < 3; i++) {
      expectProblem(await loginWith(t, user.email, PASSWORD), 403, 'account_disabled');
    }
    const [row] = await t.sql(`SELECT failed_count FROM login_attempts WHERE email = $1`, [
      user.email,
    ]);
    expect(row.failed_count).toBe(2);
    expectProblem(await loginWith(t, user.email, 'wrong 3'), 401, 'invalid_credentials');
    expectProblem(await loginWith(t, user.email, PASSWORD), 429, 'too_many_requests');
  });

  it('a wrong password on DELETE /users/me counts toward the lockout', async () => {
    const user = await registerUser(t.http);
    for (let i = 0; i < 3; i++) {
      const wrong = await t.http.delete('/users/me', {
        token: user.accessToken,
        body: { password: `wrong ${i}` },
      });
      expectProblem(wrong, 401, 'invalid_credentials');
    }
    const locked = await t.http.delete('/users/me', {
      token: user.accessToken,
      body: { password: PASSWORD },
    });
    expectProblem(locked, 429, 'too_many_requests');
    expect(
      await countRows(t, `SELECT count(*)::int AS n FROM users WHERE id = $1`, [user.user!.id]),
    ).toBe(1);
  });

  const attemptsOf = (email: string) =>
    countRows(t, `SELECT count(*)::int AS n FROM login_attempts WHERE email = $1`, [email]);

  it('deleting an account clears the failed logins of its address (#8)', async () => {
    const registered = await registerUser(t.http, uniqueEmail('admin'));
    await t.sql(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [registered.user!.id]);
    const admin = await login(t.http, registered.email);
    const user = await registerUser(t.http);
    expectProblem(await loginWith(t, user.email, 'wrong 1'), 401, 'invalid_credentials');
    expectProblem(await loginWith(t, user.email, 'wrong 2'), 401, 'invalid_credentials');
    expect(await attemptsOf(user.email)).toBe(1);
    const deleted = await t.http.delete(`/users/${user.user!.id}`, { token: admin.accessToken });
    expect(deleted.status).toBe(204);
    expect(await attemptsOf(user.email)).toBe(0);
  });

  it('registering clears the failed logins of the address before it (#8)', async () => {
    const email = uniqueEmail('next');
    for (let i = 0; i < 3; i++) {
      expectProblem(await loginWith(t, email, `wrong ${i}`), 401, 'invalid_credentials');
    }
    expectProblem(await loginWith(t, email, PASSWORD), 429, 'too_many_requests');
    await registerUser(t.http, email);
    expect(await attemptsOf(email)).toBe(0);
    await login(t.http, email);
  });
});

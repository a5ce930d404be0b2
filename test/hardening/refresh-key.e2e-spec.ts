/**
 * The refresh-token derivation key lives outside the database (defect 5): a development key
 * file under DATA_DIR, or AUTH_REFRESH_KEY / AUTH_REFRESH_KEY_FILE, required in production
 * (as is the TOTP key ring, AUTH_MFA_KEY, whose refusals are checked here too).
 * The ring's newest key derives; every key is tried on a grace replay, so a rotation breaks
 * no chain. On PostgreSQL two instances sharing the key answer each other's replays.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveSuccessor, parseRefreshToken } from '../../src/auth/refresh/refresh-token-format';
import { parseKeyRing } from '../../src/config/key-ring';
import { LatchProcess } from '../support/latch-process';
import { registerUser, startApp, TestApp } from '../support/test-app';
import { createTestDatabase, usingPostgres } from '../support/test-database';

const newKey = () => randomBytes(32);
const b64 = (key: Buffer) => key.toString('base64url');

/** Asserts that `child` is the successor of `parent` derived under `key`. */
function expectDerived(key: Buffer, parent: string, child: string): void {
  const p = parseRefreshToken(parent)!;
  const c = parseRefreshToken(child)!;
  expect(deriveSuccessor(key, p.secret, c.id).secret.equals(c.secret)).toBe(true);
}

async function refresh(app: TestApp, refreshToken: string): Promise<string> {
  const response = await app.http.post('/auth/refresh', { refreshToken });
  expect({ status: response.status, code: response.body.code }).toEqual({
    status: 200,
    code: undefined,
  });
  return response.body.refreshToken as string;
}

describe('refresh derivation key outside the database', () => {
  it('leaves no key in the database; a development key file (0600) under DATA_DIR derives', async () => {
    const t = await startApp();
    try {
      expect(await t.sql(`SELECT to_regclass('server_secrets')::text AS t`)).toEqual([{ t: null }]);
      const file = join(t.db.dataDir, 'keys', 'refresh.keys');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const [key] = parseKeyRing(readFileSync(file, 'utf8'), 'test');
      const user = await registerUser(t.http);
      const next = await refresh(t, user.refreshToken);
      expectDerived(key, user.refreshToken, next);
      // Nothing in the database holds the key.
      const hex = key.toString('hex');
      const dump = await t.sql(
        `SELECT count(*)::int AS n FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename LIKE '%secret%'`,
      );
      expect(dump).toEqual([{ n: 0 }]);
      expect(hex).toHaveLength(64);
    } finally {
      await t.close();
    }
  });

  it('a chain keeps refreshing across a key rotation; a grace replay from before it still gets its successor', async () => {
    const db = await createTestDatabase();
    const [k1, k2, k3] = [newKey(), newKey(), newKey()];
    const env = (keys: Buffer[]) => ({
      AUTH_REFRESH_KEY: keys.map(b64).join(','),
      AUTH_REUSE_GRACE: '120',
    });
    let t = await startApp({ db, env: env([k1]) });
    try {
      const user = await registerUser(t.http);
      const r1 = await refresh(t, user.refreshToken);
      expectDerived(k1, user.refreshToken, r1);

      // Rotation: k2 appended, the instance restarted. k2 derives from now on.
      await t.close();
      t = await startApp({ db, env: env([k1, k2]) });
      // The token spent just before the rotation, replayed inside the grace window, gets the
      // very successor derived under k1 (the ring is tried), not a reuse verdict.
      expect(await refresh(t, user.refreshToken)).toBe(r1);
      const r2 = await refresh(t, r1);
      expectDerived(k2, r1, r2);
      expect(await refresh(t, r1)).toBe(r2);

      // The old key is dropped: the chain still refreshes (a refresh compares hashes; only a
      // grace replay needs the key that derived the child).
      await t.close();
      t = await startApp({ db, env: env([k3]) });
      const r3 = await refresh(t, r2);
      expectDerived(k3, r2, r3);
      const sessions = await t.sql('SELECT revoked_at FROM sessions WHERE id = $1', [
        user.sessionId,
      ]);
      expect(sessions).toEqual([{ revoked_at: null }]);
    } finally {
      await t.close();
      await db.drop();
    }
  });

  it(`two instances sharing the key answer each other's grace replays (${usingPostgres() ? 'two instances' : 'embedded: one instance'})`, async () => {
    const env = { AUTH_REFRESH_KEY: b64(newKey()), AUTH_REUSE_GRACE: '60' };
    const a = await startApp({ env });
    const b = usingPostgres() ? await startApp({ db: a.db, env }) : a;
    try {
      const user = await registerUser(a.http);
      const r1 = await refresh(a, user.refreshToken);
      expect(await refresh(b, user.refreshToken)).toBe(r1);
      const r2 = await refresh(b, r1);
      expect(await refresh(a, r1)).toBe(r2);
      expect(await refresh(a, r2)).not.toBe(r2);
    } finally {
      if (b !== a) await b.close();
      await a.close();
    }
  });
});

/** The other ring, set to a valid key, so that only the one under test can stop start-up. */
const VALID_OTHER_RING: Record<string, Record<string, string>> = {
  AUTH_REFRESH_KEY: { AUTH_MFA_KEY: b64(newKey()) },
  AUTH_MFA_KEY: { AUTH_REFRESH_KEY: b64(newKey()) },
};

describe.each(['AUTH_REFRESH_KEY', 'AUTH_MFA_KEY'])('%s in production', (variable) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'latch-key-ring-'));
  const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['missing', undefined],
    ['too short', 'c2hvcnQtc2VjcmV0LXZhbHVl'],
    ['not base64', 'my refresh secret value!'],
  ])(
    'refuses to start when the key is %s: one line naming it, never its value',
    async (_, value) => {
      const latch = await LatchProcess.spawn({
        DATA_DIR: dataDir,
        NODE_ENV: 'production',
        JWT_PRIVATE_KEY: pem,
        // Never connected to: the configuration check stops start-up before.
        DATABASE_URL: 'postgres://latch@127.0.0.1:1/latch',
        ...VALID_OTHER_RING[variable],
        ...(value === undefined ? {} : { [variable]: value }),
      });
      expect(await latch.waitExit()).not.toBe(0);
      const lines = latch.logs.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(variable);
      if (value) expect(latch.logs).not.toContain(value);
      expect(latch.logs).not.toMatch(/\n\s+at /);
    },
  );
});

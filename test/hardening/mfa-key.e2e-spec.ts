/**
 * The TOTP secret encryption key ring: outside the database (AUTH_MFA_KEY, AUTH_MFA_KEY_FILE,
 * or a development file under DATA_DIR), required in production (refresh-key.e2e-spec.ts
 * checks the refusals for both rings), rotatable without locking
 * anyone out: an older key still opens what it sealed, and each secret is sealed again with
 * the newest key at its next accepted code.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { TotpClock } from '../../src/auth/mfa/totp-clock';
import { keyId } from '../../src/config/key-ring-files';
import { parseKeyRing } from '../../src/config/key-ring';
import { PASSWORD, registerUser, startApp, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 5);
const STEP = 30_000;
const newKey = () => randomBytes(32);
const b64 = (key: Buffer) => key.toString('base64url');

/** Fixes the server's TOTP clock at `ms`. */
const setClock = (t: TestApp, ms: number) =>
  jest.spyOn(t.app.get(TotpClock), 'now').mockReturnValue(ms);

/** Registers and turns TOTP on at time T0; returns the user, the secret and the code maker. */
async function enrolledUser(t: TestApp) {
  setClock(t, T0);
  const user = await registerUser(t.http);
  const started = await t.http.post('/auth/mfa/totp', {}, { token: user.accessToken });
  expect(started.status).toBe(200);
  const totp = new TOTP({ secret: Secret.fromBase32(started.body.secret) });
  const code = (ms: number) => totp.generate({ timestamp: ms });
  const confirmed = await t.http.post(
    '/auth/mfa/totp/confirm',
    { code: code(T0) },
    { token: user.accessToken },
  );
  expect(confirmed.status).toBe(200);
  return { user, secret: started.body.secret as string, code };
}

/** Logs in with the password, then the TOTP code for time `ms` (the server's clock set to it). */
async function loginWithCode(t: TestApp, email: string, code: string, ms: number) {
  setClock(t, ms);
  const first = await t.http.post('/auth/login', { email, password: PASSWORD });
  expect(first.body.code).toBe('mfa_required');
  return t.http.post('/auth/login/mfa', { mfaToken: first.body.mfaToken, code });
}

const storedKeyId = async (t: TestApp, userId: string) =>
  (await t.sql('SELECT key_id FROM totp_factors WHERE user_id = $1', [userId]))[0]?.key_id;

describe('TOTP encryption key outside the database', () => {
  it('is generated under DATA_DIR (0600) in development; the row names the key, holds no secret', async () => {
    const t = await startApp();
    try {
      const { user, secret } = await enrolledUser(t);
      const file = join(t.db.dataDir, 'keys', 'mfa.keys');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const [key] = parseKeyRing(readFileSync(file, 'utf8'), 'test');
      expect(await storedKeyId(t, user.user!.id)).toBe(keyId(key, 'mfa'));
      const [row] = await t.sql(
        `SELECT encode(secret_ciphertext, 'hex') AS hex FROM totp_factors WHERE user_id = $1`,
        [user.user!.id],
      );
      const raw = Buffer.from(Secret.fromBase32(secret).bytes).toString('hex');
      expect(row.hex).not.toContain(raw);
      expect(row.hex).not.toContain(Buffer.from(secret).toString('hex'));
      // No table holds the key.
      const hits = await t.sql(
        `SELECT count(*)::int AS n FROM totp_factors WHERE position($1::bytea IN secret_ciphertext) > 0`,
        [key],
      );
      expect(hits).toEqual([{ n: 0 }]);
    } finally {
      await t.close();
    }
  });

  it('keeps every user signing in across a rotation, and re-seals each secret at its next code', async () => {
    const db = await createTestDatabase();
    const [k1, k2] = [newKey(), newKey()];
    const env = (keys: Buffer[]) => ({ AUTH_MFA_KEY: keys.map(b64).join(',') });
    let t = await startApp({ db, env: env([k1]) });
    try {
      const a = await enrolledUser(t);
      const b = await enrolledUser(t);
      expect(await storedKeyId(t, a.user.user!.id)).toBe(keyId(k1, 'mfa'));

      // k2 appended, the instance restarted: k2 seals from now on, k1 still opens.
      await t.close();
      t = await startApp({ db, env: env([k1, k2]) });
      const aLogin = await loginWithCode(t, a.user.email, a.code(T0 + STEP), T0 + STEP);
      expect(aLogin.status).toBe(200);
      expect(await storedKeyId(t, a.user.user!.id)).toBe(keyId(k2, 'mfa'));
      expect(await storedKeyId(t, b.user.user!.id)).toBe(keyId(k1, 'mfa'));

      // k1 dropped: a, re-sealed, still signs in; b, still under k1, cannot until k1 returns
      // (503: the operator's problem, not a wrong code).
      await t.close();
      t = await startApp({ db, env: env([k2]) });
      const again = await loginWithCode(t, a.user.email, a.code(T0 + 2 * STEP), T0 + 2 * STEP);
      expect(again.status).toBe(200);
      const stranded = await loginWithCode(t, b.user.email, b.code(T0 + STEP), T0 + STEP);
      expect(stranded.status).toBe(503);
      expect(stranded.body.code).toBe('service_unavailable');
      expect(stranded.text).not.toContain(b.secret);

      await t.close();
      t = await startApp({ db, env: env([k1, k2]) });
      const back = await loginWithCode(t, b.user.email, b.code(T0 + STEP), T0 + STEP);
      expect(back.status).toBe(200);
      expect(await storedKeyId(t, b.user.user!.id)).toBe(keyId(k2, 'mfa'));
    } finally {
      await t.close();
      await db.drop();
    }
  });
});

/**
 * The TOTP secret encryption key ring: outside the database (AUTH_MFA_KEY, AUTH_MFA_KEY_FILE,
 * or a development file under DATA_DIR), required in production (refresh-key.e2e-spec.ts
 * checks the refusals for both rings), rotatable without locking anyone out: an older key
 * still opens what it sealed, and each secret is sealed again with the newest key at its next
 * accepted code. A sealed secret is bound to its user.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Secret } from 'otpauth';
import { keyId } from '../../src/config/key-ring-files';
import { parseKeyRing } from '../../src/config/key-ring';
import { startApp, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';
import { enableTotp, loginMfa, MfaUser, mfaToken, TestClock } from '../mfa/helpers';

const newKey = () => randomBytes(32);
const ring = (keys: Buffer[]) => ({
  AUTH_MFA_KEY: keys.map((key) => key.toString('base64url')).join(','),
});

const storedKeyId = async (t: TestApp, user: MfaUser) =>
  (await t.sql('SELECT key_id FROM totp_factors WHERE user_id = $1', [user.user!.id]))[0]?.key_id;

/** Both login steps with the code of the clock's step; the answer of the second. */
async function signIn(t: TestApp, clock: TestClock, user: MfaUser) {
  const token = await mfaToken(t, user.email);
  return loginMfa(t, { mfaToken: token, code: clock.code(user.secret) });
}

describe('TOTP encryption key outside the database', () => {
  afterEach(() => jest.restoreAllMocks());

  it('is generated under DATA_DIR (0600) in development; the row names the key, holds no secret', async () => {
    const t = await startApp();
    try {
      const user = await enableTotp(t, new TestClock(t));
      const file = join(t.db.dataDir, 'keys', 'mfa.keys');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const [key] = parseKeyRing(readFileSync(file, 'utf8'), 'test');
      expect(await storedKeyId(t, user)).toBe(keyId(key, 'mfa'));
      const [row] = await t.sql(
        `SELECT encode(secret_ciphertext, 'hex') AS hex FROM totp_factors WHERE user_id = $1`,
        [user.user!.id],
      );
      expect(row.hex).not.toContain(
        Buffer.from(Secret.fromBase32(user.secret).bytes).toString('hex'),
      );
      expect(row.hex).not.toContain(Buffer.from(user.secret).toString('hex'));
      expect(row.hex).not.toContain(key.toString('hex'));
    } finally {
      await t.close();
    }
  });

  it('keeps every user signing in across a rotation, and re-seals each secret at its next code', async () => {
    const db = await createTestDatabase();
    const [k1, k2] = [newKey(), newKey()];
    let t = await startApp({ db, env: ring([k1]) });
    let clock = new TestClock(t);
    /** Restarts on the same database with another ring; the TOTP clock carries on. */
    const restart = async (keys: Buffer[]) => {
      await t.close();
      t = await startApp({ db, env: ring(keys) });
      const now = clock.now;
      clock = new TestClock(t);
      clock.now = now;
    };
    try {
      const a = await enableTotp(t, clock);
      const b = await enableTotp(t, clock);
      expect(await storedKeyId(t, a)).toBe(keyId(k1, 'mfa'));

      // k2 appended, the instance restarted: k2 seals from now on, k1 still opens.
      await restart([k1, k2]);
      expect((await signIn(t, clock, a)).status).toBe(200);
      clock.tick();
      expect(await storedKeyId(t, a)).toBe(keyId(k2, 'mfa'));
      expect(await storedKeyId(t, b)).toBe(keyId(k1, 'mfa'));

      // k1 dropped: a, re-sealed, still signs in; b, still under k1, cannot until k1 returns
      // (503: the operator's problem, not a wrong code, and nothing spent).
      await restart([k2]);
      expect((await signIn(t, clock, a)).status).toBe(200);
      const stranded = await signIn(t, clock, b);
      expect(stranded.status).toBe(503);
      expect((stranded.body as unknown as { code: string }).code).toBe('service_unavailable');
      expect(stranded.text).not.toContain(b.secret);

      await restart([k1, k2]);
      expect((await signIn(t, clock, b)).status).toBe(200);
      expect(await storedKeyId(t, b)).toBe(keyId(k2, 'mfa'));
    } finally {
      await t.close();
      await db.drop();
    }
  });

  it("refuses a ciphertext copied onto another account (it is bound to its user): 503, not the victim's codes", async () => {
    const t = await startApp();
    try {
      const clock = new TestClock(t);
      const victim = await enableTotp(t, clock);
      const attacker = await enableTotp(t, clock);
      await t.sql(
        `UPDATE totp_factors SET secret_ciphertext = v.secret_ciphertext, key_id = v.key_id
         FROM totp_factors v WHERE v.user_id = $1 AND totp_factors.user_id = $2`,
        [victim.user!.id, attacker.user!.id],
      );
      const token = await mfaToken(t, attacker.email);
      const response = await loginMfa(t, { mfaToken: token, code: clock.code(victim.secret) });
      // The operator's problem (an altered row), never a 200 nor a 500.
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((response.body as unknown as { code: string }).code).toBe('service_unavailable');
      expect(response.text).not.toContain(victim.secret);
    } finally {
      await t.close();
    }
  });
});

/**
 * TOTP secrets at rest (API.md: "encrypted at rest with a key kept outside the database"):
 * the development key ring under DATA_DIR, AUTH_MFA_KEY's ring (oldest first, the last
 * encrypts, an older key still decrypts and the secret is sealed again with the newest at its
 * next use), and a ciphertext bound to its user.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startApp, TestApp } from '../support/test-app';
import { enableTotp, loginMfa, loginWithCode, type MfaUser, mfaToken, TestClock } from './helpers';

const key = () => randomBytes(32).toString('base64');

describe('TOTP secret keys', () => {
  afterEach(() => jest.restoreAllMocks());

  const factorRow = async (t: TestApp, userId: string) =>
    (
      await t.sql<{ key_id: string; secret_ciphertext: Buffer }>(
        `SELECT key_id, secret_ciphertext FROM totp_factors WHERE user_id = $1`,
        [userId],
      )
    )[0];

  it('outside production, without AUTH_MFA_KEY, keeps a generated key ring under DATA_DIR/keys (mode 0600)', async () => {
    const t = await startApp();
    try {
      const clock = new TestClock(t);
      const user = await enableTotp(t, clock);
      // The design named it mfa.key; the server writes mfa.keys, like refresh.keys (a key a line).
      const dir = join(t.db.dataDir, 'keys');
      const names = readdirSync(dir).filter((name) => /^mfa\.keys?$/.test(name));
      expect(names).toHaveLength(1);
      const path = join(dir, names[0]);
      expect(statSync(path).mode & 0o077).toBe(0);
      expect(readFileSync(path, 'utf8')).toMatch(/^[A-Za-z0-9+/_-]{43,}={0,2}$/m);
      expect((await factorRow(t, user.user!.id)).key_id).toBeTruthy();
      await loginWithCode(t, clock, user);
    } finally {
      await t.close();
    }
  });

  it('reads an old key of the ring and seals the secret again with the newest at its next use', async () => {
    const db: TestDatabase = await createTestDatabase();
    const [k1, k2] = [key(), key()];
    let user: MfaUser;
    let now: number;
    let before: { key_id: string; secret_ciphertext: Buffer };
    try {
      const first = await startApp({ db, env: { AUTH_MFA_KEY: k1 } });
      try {
        const clock = new TestClock(first);
        user = await enableTotp(first, clock);
        now = clock.now;
        before = await factorRow(first, user.user!.id);
      } finally {
        await first.close();
      }

      // k2 appended: it encrypts from now on; the secret under k1 is still read.
      const second = await startApp({ db, env: { AUTH_MFA_KEY: `${k1},${k2}` } });
      try {
        const clock = new TestClock(second);
        clock.now = now;
        const unchanged = await factorRow(second, user.user!.id);
        expect(unchanged.key_id).toBe(before.key_id);
        await loginWithCode(second, clock, user);
        now = clock.now;
        const after = await factorRow(second, user.user!.id);
        expect(after.key_id).not.toBe(before.key_id);
        expect(after.secret_ciphertext.equals(before.secret_ciphertext)).toBe(false);
      } finally {
        await second.close();
      }

      // k1 retired: the secret, sealed again under k2, still works.
      const third = await startApp({ db, env: { AUTH_MFA_KEY: k2 } });
      try {
        const clock = new TestClock(third);
        clock.now = now;
        const response = await loginWithCode(third, clock, user);
        expect(response.accessToken).toBeTruthy();
      } finally {
        await third.close();
      }
    } finally {
      await db.drop();
    }
  });

  it("a ciphertext copied onto another account does not let that account in with the first one's codes", async () => {
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
      // Refused as a wrong code, or as the server's own fault (503, never a 500 or a 200).
      expect([401, 503]).toContain(response.status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((response.body as unknown as { code: string }).code).toBe(
        response.status === 401 ? 'invalid_mfa_code' : 'service_unavailable',
      );
      expect(response.text).not.toContain(victim.secret);
    } finally {
      await t.close();
    }
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LatchProcess } from '../support/latch-process';
import { linkToken, TestSmtpServer } from '../support/smtp';
import { createTestDatabase, usingPostgres } from '../support/test-database';
import {
  eventually,
  PASSWORD,
  registerUser,
  sleep,
  startApp,
  uniqueEmail,
} from '../support/test-app';

describe('mail delivery', () => {
  it('delivers a mail that fell due while the SMTP server was down, once it is back', async () => {
    const smtp = await TestSmtpServer.start();
    const t = await startApp({ env: { SMTP_URL: smtp.url } });
    try {
      await smtp.stop();
      const user = await registerUser(t.http);
      await eventually(async () => {
        const [row] = await t.sql(
          `SELECT attempts, last_error FROM mail_outbox WHERE user_id = $1`,
          [user.user!.id],
        );
        return row.attempts >= 1 && row.last_error !== null;
      });
      await smtp.listen();
      const [mail] = await smtp.waitFor(user.email, 1, 15_000);
      expect(linkToken(mail, '/verify-email')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const [row] = await t.sql(`SELECT status, attempts FROM mail_outbox WHERE user_id = $1`, [
        user.user!.id,
      ]);
      expect(row.status).toBe('sent');
      expect(row.attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await t.close();
      await smtp.stop();
    }
  });

  it(`sends each mail exactly once with ${usingPostgres() ? 'two instances on one database' : 'one instance (embedded)'}`, async () => {
    const smtp = await TestSmtpServer.start();
    const a = await startApp({ env: { SMTP_URL: smtp.url } });
    const b = usingPostgres() ? await startApp({ db: a.db, env: { SMTP_URL: smtp.url } }) : a;
    try {
      const emails = Array.from({ length: 16 }, () => uniqueEmail('once'));
      await Promise.all(emails.map((email, i) => registerUser((i % 2 ? a : b).http, email)));
      // Both instances also poll: wait past a poll so a second send would have happened.
      await eventually(() => Promise.resolve(emails.every((e) => smtp.to(e).length >= 1)), 15_000);
      await sleep(6000);
      for (const email of emails) expect(smtp.to(email)).toHaveLength(1);
      expect(smtp.mails).toHaveLength(emails.length);
    } finally {
      if (b !== a) await b.close();
      await a.close();
      await smtp.stop();
    }
  });

  it('without SMTP_URL writes each mail as an .eml file under DATA_DIR/mail/ and logs its name, not its link', async () => {
    const db = await createTestDatabase();
    const latch = await LatchProcess.spawn({
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'info',
      APP_URL: 'https://app.example.com',
    });
    try {
      await latch.waitHealthy();
      const email = uniqueEmail('file');
      const registered = await latch.http.post('/auth/register', { email, password: PASSWORD });
      expect(registered.status).toBe(201);
      const dir = join(db.dataDir, 'mail');
      await eventually(
        () => Promise.resolve(existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.eml'))),
        10_000,
      );
      const [file] = readdirSync(dir).filter((f) => f.endsWith('.eml'));
      const eml = readFileSync(join(dir, file), 'utf8');
      expect(eml).toMatch(new RegExp(`^To: ${email}\\r?$`, 'm'));
      expect(eml).toMatch(/^Subject: /m);
      expect(eml).toMatch(/^Message-ID: </m);
      const token = linkToken(await simpleParser(eml), '/verify-email');
      await eventually(() => Promise.resolve(latch.logs.includes(join(dir, file))), 5000);
      expect(latch.logs).not.toContain(token);
      expect((await latch.http.post('/auth/verify-email', { token })).status).toBe(204);
    } finally {
      expect(await latch.stop()).toBe(0);
      await db.drop();
    }
  });

  it('warns at start-up in production without SMTP_URL', async () => {
    const db = await createTestDatabase();
    if (!db.url) return db.drop(); // production refuses the embedded database
    const latch = await LatchProcess.spawn({
      NODE_ENV: 'production',
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      JWT_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      AUTH_REFRESH_KEY: Buffer.alloc(32, 7).toString('base64url'),
      AUTH_MFA_KEY: Buffer.alloc(32, 8).toString('base64url'),
    });
    try {
      await latch.waitHealthy();
      await eventually(() => Promise.resolve(latch.logs.includes('SMTP_URL is not set')), 15_000);
    } finally {
      await latch.stop();
      await db.drop();
    }
  });
});

/**
 * Issue 18 #4: a mail whose SMTP transaction outlasts the 30 s claim. A tarpitting server
 * answers each command slowly but within nodemailer's per-reply timeouts (greeting 5 s,
 * socket 15 s), so the whole send takes about 40 s. The sender renews its claim while it
 * sends, so no other instance takes the mail, and a mail sent is marked sent whoever holds the
 * claim; a mail out of attempts is given up, never claimed again.
 */
import type { ParsedMail } from 'mailparser';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { TestSmtpServer } from '../support/smtp';
import { usingPostgres } from '../support/test-database';
import { eventually, registerUser, sleep, startApp, TestApp } from '../support/test-app';

/** An SMTP server that takes `delays` ms before each reply; keeps what it accepted. */
async function tarpit(delays: { greeting: number; perCommand: number }) {
  const mails: ParsedMail[] = [];
  let connections = 0;
  const wait = (ms: number, callback: () => void) => void setTimeout(callback, ms);
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 100, // close() ends a transaction still in the tarpit
    onConnect: (_session, callback) => {
      connections++;
      wait(delays.greeting, callback);
    },
    onMailFrom: (_address, _session, callback) => wait(delays.perCommand, callback),
    onRcptTo: (_address, _session, callback) => wait(delays.perCommand, callback),
    onData: (stream, _session, callback) => {
      simpleParser(stream)
        .then((mail) =>
          wait(delays.perCommand, () => {
            mails.push(mail); // accepted when the reply goes out
            callback();
          }),
        )
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const shared = usingPostgres();

describe('mail outbox against a slow SMTP server', () => {
  it(`sends a mail whose send outlasts the claim once and marks it sent (${shared ? 'two instances, one PostgreSQL' : 'embedded: one instance'})`, async () => {
    // 4 s greeting + 3 × 12 s = 40 s for the one transaction, every reply within its timeout
    const smtp = await tarpit({ greeting: 4000, perCommand: 12_000 });
    const a = await startApp({ env: { SMTP_URL: smtp.url } });
    const b: TestApp = shared ? await startApp({ db: a.db, env: { SMTP_URL: smtp.url } }) : a;
    try {
      const user = await registerUser(a.http);
      const row = async () =>
        (
          await a.sql(
            `SELECT status, attempts, next_attempt_at > now() AS claimed
             FROM mail_outbox WHERE user_id = $1`,
            [user.user!.id],
          )
        )[0];
      await eventually(() => Promise.resolve(smtp.connections() === 1), 5000);
      // past the first claim's 30 s (and a 5 s poll of the other instance): still claimed
      await sleep(36_000);
      expect(smtp.mails).toHaveLength(0);
      expect(await row()).toMatchObject({ status: 'pending', attempts: 1, claimed: true });
      expect(smtp.connections()).toBe(1);
      await eventually(() => Promise.resolve(smtp.mails.length === 1), 10_000);
      await eventually(async () => (await row()).status === 'sent', 3000);
      await sleep(6000); // a poll of each instance: nothing is sent again
      expect(smtp.connections()).toBe(1);
      expect(smtp.mails).toHaveLength(1);
      expect(await row()).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      await smtp.close(); // first: a sender inside a send holds its app's close
      if (b !== a) await b.close();
      await a.close();
    }
  }, 90_000);

  it('gives up a mail that is out of attempts instead of claiming it again', async () => {
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
      // as a claim that lapsed on its last attempt leaves it (a sender that died, or hung)
      await t.sql(
        `UPDATE mail_outbox SET attempts = 20, next_attempt_at = now() WHERE user_id = $1`,
        [user.user!.id],
      );
      await smtp.listen();
      await eventually(async () => {
        const [row] = await t.sql(`SELECT status FROM mail_outbox WHERE user_id = $1`, [
          user.user!.id,
        ]);
        return row.status !== 'pending';
      }, 10_000);
      const [row] = await t.sql(
        `SELECT status, attempts, params::text AS params FROM mail_outbox WHERE user_id = $1`,
        [user.user!.id],
      );
      expect(row).toEqual({ status: 'failed', attempts: 20, params: '{}' });
      await sleep(1000);
      expect(smtp.to(user.email)).toHaveLength(0);
      const events = await t.sql(
        `SELECT detail FROM auth_events WHERE user_id = $1 AND type = 'mail_failed'`,
        [user.user!.id],
      );
      expect(events).toEqual([{ detail: expect.objectContaining({ attempts: 20 }) }]);
    } finally {
      await t.close();
      await smtp.stop();
    }
  });
});

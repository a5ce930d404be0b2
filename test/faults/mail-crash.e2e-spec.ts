import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { LatchProcess } from '../support/latch-process';
import { linkToken, TestSmtpServer } from '../support/smtp';
import { createTestDatabase } from '../support/test-database';
import { PASSWORD, sleep, uniqueEmail } from '../support/test-app';

/**
 * SIGKILL after a mail is committed and before it is sent: the SMTP server accepts the
 * connection and never greets, so the service is stuck inside the send when it dies. The
 * restarted service delivers the mail once the dead sender's claim lapses (30 s at most).
 */
describe('mail across a crash', () => {
  it('delivers a mail committed before a SIGKILL after the restart, once', async () => {
    const db = await createTestDatabase();
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket)); // accepts, says nothing
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const silentPort = (silent.address() as { port: number }).port;
    const smtp = await TestSmtpServer.start();
    const env = { DATA_DIR: db.dataDir, DATABASE_URL: db.url };
    const first = await LatchProcess.spawn({ ...env, SMTP_URL: `smtp://127.0.0.1:${silentPort}` });
    let second: LatchProcess | undefined;
    try {
      await first.waitHealthy();
      const email = uniqueEmail('crash');
      const registered = await first.http.post('/auth/register', { email, password: PASSWORD });
      expect(registered.status).toBe(201);
      // The sender was woken by the commit and now waits on the silent server.
      const started = Date.now();
      while (sockets.length === 0 && Date.now() - started < 5000) await sleep(20);
      expect(sockets.length).toBeGreaterThan(0);
      first.child.kill('SIGKILL');
      await first.waitExit().catch(() => null);

      second = await LatchProcess.spawn({ ...env, SMTP_URL: smtp.url });
      await second.waitHealthy();
      const [mail] = await smtp.waitFor(email, 1, 50_000);
      const token = linkToken(mail, '/verify-email');
      expect((await second.http.post('/auth/verify-email', { token })).status).toBe(204);
      await sleep(1000);
      expect(smtp.to(email)).toHaveLength(1);
    } finally {
      await first.stop().catch(() => null);
      if (second) expect(await second.stop()).toBe(0);
      for (const socket of sockets) socket.destroy();
      silent.close();
      await smtp.stop();
      await db.drop();
    }
  }, 120_000);
});

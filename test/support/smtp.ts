import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { eventually } from './test-app';

/** A real SMTP server for the tests: every mail it accepts is parsed and kept. */
export class TestSmtpServer {
  readonly mails: ParsedMail[] = [];
  private server?: SMTPServer;
  port = 0;

  static async start(): Promise<TestSmtpServer> {
    const smtp = new TestSmtpServer();
    await smtp.listen();
    return smtp;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Listens (again, on the same port after `stop`). */
  async listen(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.mails.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = this.server.server.address();
    this.port = typeof address === 'object' && address ? address.port : this.port;
  }

  /** Stops listening, as an SMTP outage. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Mails to one address. */
  to(address: string): ParsedMail[] {
    return this.mails.filter((mail) =>
      [mail.to]
        .flat()
        .some((to) => to?.value.some((a) => a.address?.toLowerCase() === address.toLowerCase())),
    );
  }

  /** Waits until `count` mails to the address have arrived; returns them. */
  async waitFor(address: string, count = 1, timeoutMs = 10_000): Promise<ParsedMail[]> {
    await eventually(() => Promise.resolve(this.to(address).length >= count), timeoutMs, 25);
    return this.to(address);
  }
}

/** The token of the one link in a mail's text part (the link stands alone on its line). */
export function linkToken(mail: ParsedMail, path: string): string {
  const line = (mail.text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^https?:\/\//.test(l));
  if (!line) throw new Error(`no link in the mail "${mail.subject}"`);
  const url = new URL(line);
  expect(url.pathname).toBe(path);
  const match = /^#token=([A-Za-z0-9_-]+)$/.exec(url.hash);
  if (!match) throw new Error(`no token in the fragment of ${line}`);
  return match[1];
}

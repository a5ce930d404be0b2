import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RevocationFeedClient } from './revocation-feed-client';
import { Revocations } from './revocations';

const TOKEN = 't'.repeat(40);
const until = (ms = 60_000) => new Date(Date.now() + ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stand-in for Latch's feed whose streams the spec writes to and cuts. */
class FeedServer {
  streams: ServerResponse[] = [];
  requests: { at: number; authorization?: string }[] = [];
  /** The status of the next answers (200 streams). */
  status = 200;
  snapshot: { sid: string; until: string }[] = [];

  private readonly server: Server = createServer((request, response) =>
    this.handle(request, response),
  );

  static async start(): Promise<FeedServer> {
    const self = new FeedServer();
    self.server.listen(0, '127.0.0.1');
    await once(self.server, 'listening');
    return self;
  }

  get url(): URL {
    return new URL(
      `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/auth/revocations`,
    );
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    this.requests.push({ at: Date.now(), authorization: request.headers.authorization });
    if (this.status !== 200) return void response.writeHead(this.status).end('{}');
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(`event: snapshot\ndata: ${JSON.stringify({ sessions: this.snapshot })}\n\n`);
    this.streams.push(response);
  }

  send(text: string): void {
    for (const stream of this.streams) stream.write(text);
  }

  cutAll(): void {
    for (const stream of this.streams.splice(0)) stream.destroy();
  }

  close(): Promise<void> {
    this.cutAll();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('RevocationFeedClient', () => {
  let server: FeedServer;
  let revocations: Revocations;
  let client: RevocationFeedClient;
  const logs: string[] = [];
  const logger = { log: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };

  const start = (onFeedLoss: 'reject' | 'accept' = 'reject', idleTimeoutMs = 5000) => {
    revocations = new Revocations(true, onFeedLoss);
    client = new RevocationFeedClient(server.url, TOKEN, revocations, logger, {
      idleTimeoutMs,
      minBackoffMs: 50,
      maxBackoffMs: 400,
    });
    client.start();
  };

  beforeEach(async () => {
    server = await FeedServer.start();
    logs.length = 0;
  });
  afterEach(async () => {
    client?.stop();
    revocations?.stop();
    await server.close();
  });

  it('sends the bearer; the snapshot makes it live and its sessions refused', async () => {
    const sid = randomUUID();
    server.snapshot = [{ sid, until: until() }];
    start();
    expect(revocations.verdict(randomUUID())).toBe('unverifiable'); // before the snapshot
    expect(await client.waitLive(2000)).toBe(true);
    expect(server.requests[0].authorization).toBe(`Bearer ${TOKEN}`);
    expect(revocations.verdict(sid)).toBe('revoked');
    expect(revocations.verdict(randomUUID())).toBe('live');
  });

  it('a revoked event is refused from the moment it arrives, until its until', async () => {
    start();
    await client.waitLive(2000);
    const sid = randomUUID();
    const short = randomUUID();
    server.send(`event: revoked\ndata: ${JSON.stringify({ sid, until: until() })}\n\n`);
    server.send(`event: revoked\ndata: ${JSON.stringify({ sid: short, until: until(300) })}\n\n`);
    for (let i = 0; i < 100 && revocations.verdict(sid) !== 'revoked'; i++) await sleep(5);
    expect(revocations.verdict(sid)).toBe('revoked');
    expect(revocations.verdict(short)).toBe('revoked');
    await sleep(350);
    expect(revocations.verdict(short)).toBe('live'); // its tokens have all expired
  });

  it('a lost stream: not live at once (reject: unverifiable; accept: live), then back with a new snapshot', async () => {
    start('reject');
    await client.waitLive(2000);
    const missed = randomUUID();
    server.snapshot = [{ sid: missed, until: until() }]; // revoked while the stream was down
    server.cutAll();
    for (let i = 0; i < 100 && revocations.isLive; i++) await sleep(2);
    expect(revocations.isLive).toBe(false);
    expect(revocations.verdict(randomUUID())).toBe('unverifiable');
    expect(await client.waitLive(2000)).toBe(true);
    expect(revocations.verdict(missed)).toBe('revoked');
    expect(server.requests).toHaveLength(2);
  });

  it('with onFeedLoss accept, a token of an unreported session is accepted while the feed is down', async () => {
    start('accept');
    await client.waitLive(2000);
    const known = randomUUID();
    server.send(`event: revoked\ndata: ${JSON.stringify({ sid: known, until: until() })}\n\n`);
    for (let i = 0; i < 100 && revocations.verdict(known) !== 'revoked'; i++) await sleep(5);
    server.status = 503;
    server.cutAll();
    for (let i = 0; i < 100 && revocations.isLive; i++) await sleep(2);
    expect(revocations.verdict(randomUUID())).toBe('live');
    expect(revocations.verdict(known)).toBe('revoked'); // what it knew still counts
  });

  it('refused (401, 503): retries with a growing backoff, capped', async () => {
    server.status = 401;
    start();
    await sleep(1500);
    const gaps = server.requests.slice(1).map((r, i) => r.at - server.requests[i].at);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    expect(gaps[1]).toBeGreaterThan(gaps[0]);
    for (const gap of gaps) expect(gap).toBeLessThan(400 * 1.2 + 100);
    expect(logs.some((line) => line.includes('Latch answered 401'))).toBe(true);
    expect(logs.join('\n')).not.toContain(TOKEN);
    server.status = 200;
    expect(await client.waitLive(2000)).toBe(true);
  });

  it('a silent stream (no heartbeat) counts as lost after the idle timeout', async () => {
    start('reject', 300);
    await client.waitLive(2000);
    await sleep(200);
    expect(revocations.isLive).toBe(true);
    await sleep(300);
    expect(server.requests.length).toBeGreaterThanOrEqual(2); // it gave up and reconnected
    // Heartbeats keep a stream alive past the timeout.
    const timer = setInterval(() => server.send(': keep-alive\n\n'), 100);
    try {
      const requests = server.requests.length;
      await sleep(700);
      expect(server.requests.length).toBe(requests);
      expect(revocations.isLive).toBe(true);
    } finally {
      clearInterval(timer);
    }
  });

  it('a malformed event is a lost stream, never half trusted', async () => {
    start();
    await client.waitLive(2000);
    server.send('event: revoked\ndata: {"sid":"not-a-uuid","until":"soon"}\n\n');
    for (let i = 0; i < 100 && server.requests.length < 2; i++) await sleep(10);
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(logs.some((line) => line.includes('a malformed revoked event'))).toBe(true);
  });
});

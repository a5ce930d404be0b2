import { flush, harness, problem, signedIn } from './harness.js';

// Whom the client trusts: which origins get the token and may sign it out (issue 18 #9), and
// what it takes from the cross-tab channel (issue 18 #10).

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  jest.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

const authorization = async (response: Response) =>
  ((await response.json()) as { authorization: string | null }).authorization;

describe('origins', () => {
  it("attaches the token only to the baseUrl's origin and the allowed origins", async () => {
    const { client } = await signedIn({ allowedOrigins: ['https://api.test'] });
    expect(await authorization(await client.fetch('/notes'))).toBe('Bearer at1');
    expect(await authorization(await client.fetch('http://auth.test/notes'))).toBe('Bearer at1');
    expect(await authorization(await client.fetch('https://api.test/x'))).toBe('Bearer at1');
    for (const foreign of [
      'https://evil.test/x',
      'https://auth.test/notes', // another scheme is another origin
      'http://auth.test:8080/notes',
      'https://api.test.evil.test/x',
      'http://api.test/x',
    ]) {
      expect(await authorization(await client.fetch(foreign))).toBeNull();
    }
    // a header the caller set for a foreign URL is the caller's business, never the token
    const own = await client.fetch('https://evil.test/x', {
      headers: { authorization: 'Basic x' },
    });
    expect(await authorization(own)).toBe('Basic x');
  });

  it('a 401 from another origin neither signs out, nor erases the stored token, nor refreshes', async () => {
    const { client, count, script, stored, events } = await signedIn();
    const before = stored.token;
    const seen = events.length;
    script(
      'GET /x',
      () => problem(401, 'session_revoked'),
      () => problem(401, 'refresh_token_reused'),
      () => problem(401, 'token_expired'),
    );
    for (let i = 0; i < 3; i++) {
      expect((await client.fetch('https://evil.test/x')).status).toBe(401);
    }
    await flush();
    expect(client.state).toBe('signed-in');
    expect(stored.token).toBe(before);
    expect(count('GET /x')).toBe(3); // no retry
    expect(count('POST /auth/refresh')).toBe(0);
    expect(events).toHaveLength(seen);
  });

  it('a 401 session_revoked from an allowed origin signs out', async () => {
    const { client, script, events } = await signedIn({ allowedOrigins: ['https://api.test'] });
    script('GET /x', () => problem(401, 'session_revoked'));
    expect((await client.fetch('https://api.test/x')).status).toBe(401);
    expect(client.state).toBe('signed-out');
    expect(events.at(-1)).toMatchObject({ reason: 'session_revoked' });
  });
});

describe('the cross-tab channel', () => {
  const channels: BroadcastChannel[] = [];
  afterEach(() => channels.splice(0).forEach((channel) => channel.close()));

  /** A same-origin context that is no Latch client: it reads and writes the channel. */
  function stranger(name: string) {
    const channel = new BroadcastChannel(name);
    channels.push(channel);
    const heard: any[] = [];
    channel.onmessage = ({ data }: MessageEvent) => heard.push(data);
    return { heard, post: (message: unknown) => channel.postMessage(message) };
  }
  const settle = async () => {
    await jest.advanceTimersByTimeAsync(200);
    await flush();
  };

  it('never hands the token to an ask, and takes no planted token, sign-out or junk from a stranger', async () => {
    const name = `latch-test-${Math.random()}-${Date.now()}`;
    const a = harness({ transport: 'cookie', channel: name }, 900);
    await settle();
    await a.client.ready;
    expect(a.client.state).toBe('signed-in');
    const mine = await a.client.getAccessToken();
    const evil = stranger(name);

    evil.post({ t: 'ask' });
    await settle();
    expect(JSON.stringify(evil.heard)).not.toContain(mine);

    const later = Date.now() + 3_600_000;
    for (const message of [
      { t: 'token', accessToken: 'planted', expiresIn: 900, at: later, sessionId: 'sid-evil' },
      { t: 'token', accessToken: 'planted', expiresIn: 900, at: later }, // no session
      { t: 'token', accessToken: 7, expiresIn: 900, at: later, sessionId: 'sid-1' },
      { t: 'token', accessToken: 'planted', expiresIn: '1e9', at: later, sessionId: 'sid-1' },
      { t: 'token', accessToken: 'planted', expiresIn: Infinity, at: later, sessionId: 'sid-1' },
      { t: 'out', reason: 'logout', sessionId: 'sid-evil' },
      { t: 'out', reason: 'whatever', sessionId: 'sid-1' },
      { t: 'out', reason: 'logout' },
      null,
      'out',
      { t: 'busy', extra: { accessToken: 'planted' } },
    ]) {
      evil.post(message);
    }
    await settle();
    expect(a.client.state).toBe('signed-in');
    // a token of another session is a hint to refresh, checked by one refresh of a's own
    expect(a.count('POST /auth/refresh')).toBe(2);
    expect(await a.client.getAccessToken()).toBe('at2');
    expect(a.events.map((event) => event.type)).toEqual(['signed-in', 'refreshed']);
    a.client.close();
  });

  it('a starting tab refreshes itself instead of taking a token that answers its ask', async () => {
    const name = `latch-test-${Math.random()}-${Date.now()}`;
    const evil = stranger(name);
    const b = harness({ transport: 'cookie', channel: name }, 900);
    await flush(); // b has asked
    expect(evil.heard).toContainEqual({ t: 'ask' });
    evil.post({
      t: 'token',
      accessToken: 'planted',
      expiresIn: 900,
      at: Date.now(),
      sessionId: 'sid-1',
    });
    await settle();
    await b.client.ready;
    expect(b.count('POST /auth/refresh')).toBe(1);
    expect(await b.client.getAccessToken()).toBe('at1');
    b.client.close();
  });

  it('between two clients of one session, a refresh in one tab reaches the other; a logout too', async () => {
    const name = `latch-test-${Math.random()}-${Date.now()}`;
    const a = harness({ transport: 'cookie', channel: name }, 30);
    await settle();
    await a.client.ready;
    const b = harness({ transport: 'cookie', channel: name }, 30);
    await settle();
    await b.client.ready;
    expect(b.client.state).toBe('signed-in');
    await a.client.refresh();
    await flush();
    expect(await b.client.getAccessToken()).toBe(await a.client.getAccessToken());
    await a.client.logout();
    await flush();
    expect(b.client.state).toBe('signed-out');
    expect(b.events.at(-1)).toMatchObject({ type: 'signed-out', reason: 'logout' });
    a.client.close();
    b.client.close();
  });
});

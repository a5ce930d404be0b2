import { flush, harness, problem, signedIn } from './harness.js';

// Scheduling and failure handling, with fake timers and a scripted fetch.

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  jest.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('scheduling', () => {
  it('refreshes 60 s ahead of a long lifetime, counted from the local arrival time', async () => {
    const { client, count } = await signedIn();
    await jest.advanceTimersByTimeAsync(839_000);
    expect(count('POST /auth/refresh')).toBe(0);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(count('POST /auth/refresh')).toBe(1);
    expect(await client.getAccessToken()).toBe('at2');
  });

  it('refreshes a third of a short lifetime ahead, jittered later by up to half of that', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    const { count } = await signedIn({}, 9);
    await jest.advanceTimersByTimeAsync(7_490);
    expect(count('POST /auth/refresh')).toBe(0);
    await jest.advanceTimersByTimeAsync(20);
    expect(count('POST /auth/refresh')).toBe(1);
  });

  it('keeps refreshing across many lifetimes with one request per period', async () => {
    const { count, client } = await signedIn({}, 3);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(count('POST /auth/refresh')).toBe(15);
    expect(client.state).toBe('signed-in');
  });

  it('single flight: many callers of an expired token share one refresh', async () => {
    const { client, count } = await signedIn();
    jest.setSystemTime(Date.now() + 901_000); // slept: Date moved, no timer ran
    const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getAccessToken()));
    expect(count('POST /auth/refresh')).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['at2']));
  });

  it('after sleep, the first read refreshes before it answers', async () => {
    const { client, calls } = await signedIn({}, 5);
    jest.setSystemTime(Date.now() + 60_000);
    const response = await client.fetch('/notes');
    expect(calls.map((call) => call.key).slice(-2)).toEqual(['POST /auth/refresh', 'GET /notes']);
    expect(await response.json()).toEqual({ authorization: 'Bearer at2' });
  });

  it('a token still valid but due is returned at once while the refresh runs behind', async () => {
    const { client, count, script } = await signedIn({}, 30);
    jest.setSystemTime(Date.now() + 21_000); // past refreshAt (20 s), before expiry
    script('POST /auth/refresh', () => new Error('offline'));
    expect(await client.getAccessToken()).toBe('at1');
    expect(count('POST /auth/refresh')).toBe(1);
  });
});

describe('failures', () => {
  it('retries network errors, 5xx and 429 with backoff and never signs out a valid token', async () => {
    const { client, count, script, events } = await signedIn({}, 900);
    script(
      'POST /auth/refresh',
      () => new TypeError('fetch failed'),
      () => problem(503, 'service_unavailable'),
      () => problem(429, 'too_many_requests', { 'retry-after': '5' }),
    );
    await jest.advanceTimersByTimeAsync(840_000); // first attempt
    expect(count('POST /auth/refresh')).toBe(1);
    await jest.advanceTimersByTimeAsync(1_000); // backoff 0.5..1 s
    expect(count('POST /auth/refresh')).toBe(2);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(count('POST /auth/refresh')).toBe(3); // third at 841.5 s answered 429, Retry-After 5
    await jest.advanceTimersByTimeAsync(3_000); // the backoff alone would have retried by now

    expect(count('POST /auth/refresh')).toBe(3);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(count('POST /auth/refresh')).toBe(4);
    expect(client.state).toBe('signed-in');
    expect(events.map((event) => event.type)).toEqual(['signed-out', 'signed-in', 'refreshed']);
  });

  it('gives up after a bounded number of attempts, cools down, and tries again later', async () => {
    const { client, count, script } = await signedIn({}, 900);
    const offline = () => new TypeError('fetch failed');
    script('POST /auth/refresh', offline, offline, offline, offline);
    await jest.advanceTimersByTimeAsync(840_000 + 10_000);
    expect(count('POST /auth/refresh')).toBe(4);
    // reads during the cooldown use the still-valid token without hammering the service
    expect(await client.getAccessToken()).toBe('at1');
    expect(count('POST /auth/refresh')).toBe(4);
    await jest.advanceTimersByTimeAsync(25_000);
    expect(count('POST /auth/refresh')).toBe(5);
    expect(await client.getAccessToken()).toBe('at2');
    expect(client.state).toBe('signed-in');
  });

  it.each(['invalid_grant', 'refresh_token_reused', 'session_revoked'])(
    'a refresh answered 401 %s signs out with that reason',
    async (code) => {
      const { client, script, events, stored } = await signedIn({}, 900);
      script('POST /auth/refresh', () => problem(401, code));
      await expect(client.refresh().then(() => 'ok')).resolves.toBe('ok'); // not due: no request
      jest.setSystemTime(Date.now() + 901_000);
      await expect(client.getAccessToken()).rejects.toMatchObject({ code });
      expect(client.state).toBe('signed-out');
      expect(events.at(-1)).toMatchObject({ type: 'signed-out', reason: code });
      expect(stored.token).toBeNull();
    },
  );

  it('a 401 token_expired on an API call gets one refresh and one retry, never a loop', async () => {
    const { client, count, script } = await signedIn();
    script(
      'GET /notes',
      () => problem(401, 'token_expired'),
      () => problem(401, 'token_expired'),
    );
    const response = await client.fetch('/notes');
    expect(response.status).toBe(401);
    expect(count('GET /notes')).toBe(2);
    expect(count('POST /auth/refresh')).toBe(1);
    expect(client.state).toBe('signed-in');
  });

  it('the retry after token_expired carries the new token', async () => {
    const { client, script } = await signedIn();
    script('GET /notes', () => problem(401, 'token_expired'));
    const response = await client.fetch('/notes');
    expect(await response.json()).toEqual({ authorization: 'Bearer at2' });
  });

  it('a 401 session_revoked on an API call signs out', async () => {
    const { client, script, events } = await signedIn();
    script('GET /notes', () => problem(401, 'session_revoked'));
    expect((await client.fetch('/notes')).status).toBe(401);
    expect(client.state).toBe('signed-out');
    expect(events.at(-1)).toMatchObject({ reason: 'session_revoked' });
  });
});

describe('transports', () => {
  it('body transport: rotates the stored refresh token, sends it in the body, clears it on logout', async () => {
    const { client, stored, calls } = await signedIn();
    expect(stored.token).toBe('rt1');
    await client.refresh().catch(() => undefined);
    jest.setSystemTime(Date.now() + 901_000);
    await client.getAccessToken();
    expect(calls.find((call) => call.key === 'POST /auth/refresh')?.body).toEqual({
      refreshToken: 'rt1',
    });
    expect(stored.token).toBe('rt2');
    await client.logout();
    expect(calls.at(-1)?.body).toEqual({ refreshToken: 'rt2' });
    expect(stored.token).toBeNull();
    expect(client.state).toBe('signed-out');
  });

  it('body transport with a stored token restores the session at start', async () => {
    const { client, count, stored } = harness();
    stored.token = 'rt0';
    await client.ready;
    // storage was read before the first refresh: the harness sets it synchronously above
    expect(['signed-in', 'signed-out']).toContain(client.state);
    expect(count('POST /auth/refresh') <= 1).toBe(true);
  });

  it('cookie transport: credentials included, X-Requested-With set, no refresh token kept', async () => {
    const set = jest.fn();
    const { client, calls } = harness({ transport: 'cookie', storage: { get: () => null, set } });
    await client.ready;
    expect(client.state).toBe('signed-in'); // restored from the (scripted) cookie
    const refresh = calls[0];
    expect(refresh.key).toBe('POST /auth/refresh');
    expect(refresh.init.credentials).toBe('include');
    expect(new Headers(refresh.init.headers).get('x-requested-with')).toBe('XMLHttpRequest');
    expect(refresh.body).toEqual({});
    expect(set).not.toHaveBeenCalled();
  });

  it('cookie transport without a cookie starts signed out, reason no_session', async () => {
    const { client, script, events } = harness({ transport: 'cookie' }, 900);
    script('POST /auth/refresh', () => problem(401, 'invalid_grant'));
    await client.ready;
    expect(client.state).toBe('signed-out');
    expect(events).toEqual([expect.objectContaining({ reason: 'no_session' })]);
  });
});

describe('across tabs (BroadcastChannel)', () => {
  it('shares a refreshed token, checks before refreshing, and signs every tab out', async () => {
    const channel = `latch-test-${Math.random()}-${Date.now()}`;
    let seed = 7;
    jest
      .spyOn(Math, 'random')
      .mockImplementation(() => (seed = (seed * 16807) % 2147483647) / 2147483647);
    const a = harness({ transport: 'cookie', channel }, 30);
    await jest.advanceTimersByTimeAsync(200); // nobody answers a's question: a refreshes
    await a.client.ready;
    expect(a.count('POST /auth/refresh')).toBe(1);
    const b = harness({ transport: 'cookie', channel }, 30);
    // b asks whether a tab is refreshing, then refreshes itself: any script of the origin
    // could answer an ask, so b takes no token it did not get from its own refresh
    await jest.advanceTimersByTimeAsync(200);
    await flush();
    await b.client.ready;
    expect(b.count('POST /auth/refresh')).toBe(1);
    expect(await b.client.getAccessToken()).toBe(await a.client.getAccessToken());

    // ten periods: the jittered timers of both tabs, and the busy notice, give one refresh each
    for (let i = 0; i < 1_200; i++) {
      await jest.advanceTimersByTimeAsync(250);
      await flush();
    }
    const total = a.count('POST /auth/refresh') + b.count('POST /auth/refresh');
    // 300 s of 30 s tokens refreshed 10..5 s ahead: 12..15 renewals, plus a's and b's first
    expect(total).toBeGreaterThanOrEqual(14);
    expect(total).toBeLessThanOrEqual(18);
    expect(a.client.state).toBe('signed-in');
    expect(b.client.state).toBe('signed-in');
    expect(await b.client.getAccessToken()).toBe(await a.client.getAccessToken());

    await a.client.logout();
    await flush();
    expect(b.client.state).toBe('signed-out');
    expect(b.events.at(-1)).toMatchObject({ type: 'signed-out', reason: 'logout' });
    a.client.close();
    b.client.close();
  });
});

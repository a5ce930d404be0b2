import { createLatchClient, type LatchClientOptions, type LatchEvent } from '../src/index.js';

// A client on a scripted fetch: each request is answered by the next step scripted for its
// `METHOD /path`, else refresh and both login steps grant a token, logout answers 204, and any other
// call echoes the authorization header it got.

export type Step = () => Response | Error;
export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
export const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(status, { type: 'about:blank', status, code }, headers);

export function harness(options: Partial<LatchClientOptions> = {}, ttl = 900) {
  const calls: { key: string; init: RequestInit; body: any }[] = [];
  const queue: Record<string, Step[]> = {};
  let seq = 0;
  const grant = () => ({
    tokenType: 'Bearer',
    accessToken: `at${++seq}`,
    expiresIn: ttl,
    refreshToken: `rt${seq}`,
    refreshExpiresIn: 3600,
    sessionId: 'sid-1',
  });
  const fetch = jest.fn((input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const key = `${init.method ?? 'GET'} ${url.pathname}`;
    calls.push({
      key,
      init,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const next = queue[key]?.shift();
    if (next) {
      const result = next();
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    }
    if (['POST /auth/refresh', 'POST /auth/login', 'POST /auth/login/mfa'].includes(key)) {
      return Promise.resolve(json(200, grant()));
    }
    if (key === 'POST /auth/logout') return Promise.resolve(new Response(null, { status: 204 }));
    const authorization = new Headers(init.headers).get('authorization');
    return Promise.resolve(json(200, { authorization }));
  });
  const stored: { token: string | null } = { token: null };
  const client = createLatchClient({
    baseUrl: 'http://auth.test',
    transport: 'body',
    storage: { get: () => stored.token, set: (token) => void (stored.token = token) },
    fetch,
    channel: false,
    ...options,
  });
  const events: LatchEvent[] = [];
  client.onChange((event) => events.push(event));
  const count = (key: string) => calls.filter((call) => call.key === key).length;
  const script = (key: string, ...steps: Step[]) => (queue[key] ??= []).push(...steps);
  return { client, calls, count, script, stored, events };
}

export const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

export async function signedIn(options: Partial<LatchClientOptions> = {}, ttl = 900) {
  const h = harness(options, ttl);
  await h.client.ready;
  await h.client.login({ email: 'ada@example.com', password: 'correct horse' });
  return h;
}

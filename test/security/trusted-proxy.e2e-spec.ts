/**
 * TRUST_PROXY as a list of trusted proxies (issue 10, defect 1). Behind a proxy that appends
 * the peer's address to X-Forwarded-For, the client may write anything to the left of it; the
 * address that is rate-limited and recorded in sessions and audit events must be the one the
 * proxy appended, never one the client chose. The test client connects from 127.0.0.1, which
 * plays the trusted proxy.
 */
import { expectProblem } from '../support/forge';
import { PASSWORD, startApp, TestApp, uniqueEmail } from '../support/test-app';

const LIMIT = 3;

describe('behind a listed trusted proxy (TRUST_PROXY=127.0.0.1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      env: { TRUST_PROXY: '127.0.0.1', AUTH_LOGIN_RATE_LIMIT: String(LIMIT) },
    });
  });
  afterAll(() => t.close());

  /** What the proxy sends: whatever the client wrote, then the address it connected from. */
  const viaProxy = (forged: string, client: string) => ({
    headers: { 'x-forwarded-for': `${forged}, ${client}` },
  });

  it('rate-limits and records the proxy-appended address, not the client-chosen one', async () => {
    const email = uniqueEmail('proxy');
    const registered = await t.http.post(
      '/auth/register',
      { email, password: PASSWORD },
      viaProxy('203.0.113.250', '198.51.100.10'),
    );
    expect(registered.status).toBe(201);

    const client = '198.51.100.20';
    const forged = Array.from({ length: LIMIT + 1 }, (_, i) => `203.0.113.${i + 1}`);
    const logins = [];
    for (const address of forged.slice(0, LIMIT)) {
      const response = await t.http.post(
        '/auth/login',
        { email, password: PASSWORD },
        viaProxy(`${address}, 192.0.2.${forged.indexOf(address) + 1}`, client),
      );
      expect(response.status).toBe(200);
      logins.push(response.body);
    }
    // A fresh forged address does not buy a fresh budget: the client is still 198.51.100.20.
    const refused = await t.http.post(
      '/auth/login',
      { email, password: PASSWORD },
      viaProxy(forged[LIMIT], client),
    );
    expectProblem(refused, 429, 'too_many_requests', [PASSWORD]);
    // Another client behind the same proxy has its own budget.
    const other = await t.http.post(
      '/auth/login',
      { email, password: PASSWORD },
      viaProxy(forged[0], '198.51.100.30'),
    );
    expect(other.status).toBe(200);

    const token = logins[0].accessToken;
    const sessions = await t.http.get<{ id: string; ip: string }[]>('/auth/sessions', { token });
    expect(sessions.status).toBe(200);
    const ipOf = new Map(sessions.body.map((session) => [session.id, session.ip]));
    expect(ipOf.get(registered.body.sessionId)).toBe('198.51.100.10');
    for (const login of logins) expect(ipOf.get(login.sessionId)).toBe(client);
    expect(ipOf.get(other.body.sessionId)).toBe('198.51.100.30');

    const events = await t.http.get<{ type: string; sessionId: string | null; ip: string }[]>(
      '/auth/events',
      { token },
    );
    expect(events.status).toBe(200);
    const loginSessions = new Set(logins.map((login) => login.sessionId));
    const ofLogins = events.body.filter((event) => loginSessions.has(event.sessionId ?? ''));
    expect(ofLogins.length).toBeGreaterThanOrEqual(LIMIT);
    for (const event of ofLogins) expect(event.ip).toBe(client);
    const recorded = new Set([...events.body.map((e) => e.ip), ...sessions.body.map((s) => s.ip)]);
    expect([...recorded].sort()).toEqual(['198.51.100.10', '198.51.100.20', '198.51.100.30']);
  });

  it('stops at the first untrusted entry, even if the client wrote a trusted one further left', async () => {
    const response = await t.http.post(
      '/auth/register',
      { email: uniqueEmail('proxy'), password: PASSWORD },
      viaProxy('127.0.0.1', '198.51.100.40'),
    );
    expect(response.status).toBe(201);
    const sessions = await t.http.get<{ ip: string }[]>('/auth/sessions', {
      token: response.body.accessToken,
    });
    expect(sessions.body.map((session) => session.ip)).toEqual(['198.51.100.40']);
  });
});

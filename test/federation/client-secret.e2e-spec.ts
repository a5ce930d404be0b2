import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { freePort, LatchProcess } from '../support/latch-process';
import { eventually, uniqueEmail } from '../support/test-app';
import { FlowBrowser, throughProvider } from './browser';
import { startOidcTestProvider, type OidcTestProvider } from './oidc-test-provider';

const APP_URL = 'http://localhost:5173';

/**
 * The client secret of a provider never leaves the service except towards the provider's
 * token endpoint: not in a log line (the built service at LOG_LEVEL=trace, through successes,
 * a refused secret, a bad ID token and a provider that is down), not in a response, not in a
 * start-up error.
 */
describe('the client secret', () => {
  let op: OidcTestProvider;
  let db: TestDatabase;
  let latch: LatchProcess;
  let publicUrl: string;
  const SECRET = `secret-${'x'.repeat(8)}-${Date.now()}`;
  const responses: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    op = await startOidcTestProvider({
      redirectUris: ['good', 'wrong', 'down'].map((id) => `${publicUrl}/auth/oidc/${id}/callback`),
      clientSecret: SECRET,
    });
    db = await createTestDatabase();
    latch = await LatchProcess.spawn({
      PORT: String(port),
      DATABASE_URL: db.url,
      DATA_DIR: db.dataDir,
      LOG_LEVEL: 'trace',
      PUBLIC_URL: publicUrl,
      APP_URL,
      AUTH_OIDC_PROVIDERS: 'good,wrong,down',
      AUTH_OIDC_GOOD_ISSUER: op.issuer,
      AUTH_OIDC_GOOD_CLIENT_ID: op.clientId,
      AUTH_OIDC_GOOD_CLIENT_SECRET: SECRET,
      // The provider refuses this one: its error must not echo what was sent.
      AUTH_OIDC_WRONG_ISSUER: op.issuer,
      AUTH_OIDC_WRONG_CLIENT_ID: op.clientId,
      AUTH_OIDC_WRONG_CLIENT_SECRET: `${SECRET}-wrong`,
      AUTH_OIDC_DOWN_ISSUER: 'http://127.0.0.1:9',
      AUTH_OIDC_DOWN_CLIENT_ID: 'x',
      AUTH_OIDC_DOWN_CLIENT_SECRET: SECRET,
    });
    await latch.waitHealthy(90_000);
  }, 120_000);
  afterAll(async () => {
    await latch?.stop();
    await op?.close();
    await db?.drop();
  });

  /** The whole flow in a browser, every answer of the service kept. */
  async function flow(provider: string, login: string): Promise<string> {
    const browser = new FlowBrowser();
    const started = await browser.request(`${latch.url}/auth/oidc/${provider}`);
    responses.push(started.text, JSON.stringify([...started.headers]));
    if (!started.location!.startsWith(op.issuer)) return started.location!;
    const callback = await throughProvider(
      browser,
      started.location!,
      { login },
      `${publicUrl}/auth/oidc/${provider}/callback`,
    );
    const back = await browser.request(callback);
    responses.push(back.text, JSON.stringify([...back.headers]));
    const code = new URLSearchParams(new URL(back.location!).hash.slice(1)).get('code');
    if (code) {
      const exchanged = await latch.http.post('/auth/oidc/exchange', { code });
      responses.push(exchanged.text, JSON.stringify([...exchanged.headers]));
    }
    return back.location!;
  }

  it('is in no log line and no response, whatever happens', async () => {
    const sub = `sub-${Date.now()}`;
    op.accounts.set(sub, { sub, email: uniqueEmail('secret'), email_verified: true });
    expect(await flow('good', sub)).toMatch(/#code=/);
    expect(await flow('wrong', sub)).toMatch(/#error=provider_error$/);
    op.tamper = { unknownKey: true };
    expect(await flow('good', sub)).toMatch(/#error=provider_error$/);
    op.tamper = undefined;
    expect(await flow('down', sub)).toMatch(/#error=provider_error$/);
    for (const path of ['/auth/oidc/providers', '/docs-json', '/auth/oidc/good/callback?state=x']) {
      const answer = await new FlowBrowser().request(`${latch.url}${path}`);
      responses.push(answer.text, JSON.stringify([...answer.headers]));
    }
    // The provider did get it, in the token request body.
    expect(op.tokenRequests.some((request) => request.client_secret === SECRET)).toBe(true);
    // The failures were logged, for operators, without it (lines arrive from the child a
    // little after its answers).
    await eventually(async () =>
      Promise.resolve(/sign-in with wrong failed[\s\S]*sign-in with down failed/.test(latch.logs)),
    );
    expect(latch.logs).not.toContain(SECRET);
    expect(latch.logs).not.toContain(op.clientSecret);
    for (const text of responses) expect(text).not.toContain(SECRET);
    // Nor the provider's authorization code or state, which pass through the callback's URL.
    expect(latch.logs).toMatch(/"url":"\/auth\/oidc\/good\/callback\?code=\[redacted\]/);
  });

  it('is not shown when start-up refuses a provider', async () => {
    const refused = await LatchProcess.spawn({
      DATABASE_URL: db.url,
      DATA_DIR: db.dataDir,
      AUTH_OIDC_PROVIDERS: 'bad',
      AUTH_OIDC_BAD_ISSUER: 'http://idp.example.com',
      AUTH_OIDC_BAD_CLIENT_ID: 'x',
      AUTH_OIDC_BAD_CLIENT_SECRET: SECRET,
    });
    expect(await refused.waitExit()).not.toBe(0);
    expect(refused.logs).toMatch(/AUTH_OIDC_BAD_ISSUER must be an https:\/\/ URL/);
    expect(refused.logs).not.toContain(SECRET);
  });
});

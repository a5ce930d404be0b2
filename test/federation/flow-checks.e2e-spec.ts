import { expectProblem } from '../support/forge';
import { uniqueEmail } from '../support/test-app';
import { FlowBrowser, throughProvider } from './browser';
import {
  APP_URL,
  arrive,
  exchange,
  type FederationWorld,
  PROVIDER_ID,
  providerAccount,
  startFederationWorld,
  startFlow,
} from './helpers';

/**
 * What the callback refuses (docs/api.md): a state that is missing, foreign, tampered or
 * replayed; a provider that refused; ID tokens that fail a check (re-signed by the test's
 * provider with a wrong iss, aud, azp or nonce, expired, or by a key outside its JWKS); and
 * returnTo values that would leave the app.
 */
describe('the sign-in flow refuses what it must', () => {
  let world: FederationWorld;
  beforeAll(async () => {
    world = await startFederationWorld();
  });
  afterAll(() => world.close());
  afterEach(() => {
    world.op.tamper = undefined;
  });

  const usersNamed = async (email: string) =>
    (await world.app.sql(`SELECT id FROM users WHERE email = $1`, [email])).length;

  /** Start, then the provider's login and consent: the browser and the callback URL it holds. */
  async function atCallback(query = '') {
    const browser = new FlowBrowser();
    const email = uniqueEmail('flow');
    const sub = providerAccount(world, { email, email_verified: true });
    const authorization = await startFlow(world, browser, query);
    const callback = await throughProvider(
      browser,
      authorization,
      { login: sub },
      world.callbackUrl,
    );
    return { browser, callback, email, sub };
  }

  const withQuery = (url: string, change: (params: URLSearchParams) => void) => {
    const parsed = new URL(url);
    change(parsed.searchParams);
    return parsed.href;
  };

  describe('the state', () => {
    it('missing: invalid_state, and nothing signs in', async () => {
      const { browser, callback, email } = await atCallback();
      const result = await arrive(
        world,
        browser,
        withQuery(callback, (p) => p.delete('state')),
      );
      expect(result.location).toBe(`${APP_URL}/#error=invalid_state`);
      expect(await usersNamed(email)).toBe(0);
    });

    it('without the flow cookie: invalid_state', async () => {
      const { browser, callback, email } = await atCallback('?returnTo=/here');
      browser.setCookie(world.app.url, 'oidc_flow', undefined);
      expect((await arrive(world, browser, callback)).location).toBe(
        `${APP_URL}/#error=invalid_state`,
      );
      expect(await usersNamed(email)).toBe(0);
    });

    it('foreign (another browser’s flow): invalid_state for the other browser', async () => {
      const victim = await atCallback();
      const attacker = new FlowBrowser();
      // The attacker's own flow cookie, the victim's callback (login CSRF the other way round).
      await startFlow(world, attacker);
      expect((await arrive(world, attacker, victim.callback)).location).toBe(
        `${APP_URL}/#error=invalid_state`,
      );
      expect(await usersNamed(victim.email)).toBe(0);
      // The state was spent by that attempt: single use, whoever presents it.
      expect((await arrive(world, victim.browser, victim.callback)).location).toBe(
        `${APP_URL}/#error=invalid_state`,
      );
    });

    it('tampered (state or cookie changed by one character): invalid_state', async () => {
      const flip = (value: string) => (value[0] === 'A' ? 'B' : 'A') + value.slice(1);
      const first = await atCallback();
      const tamperedState = withQuery(first.callback, (p) => p.set('state', flip(p.get('state')!)));
      expect((await arrive(world, first.browser, tamperedState)).location).toBe(
        `${APP_URL}/#error=invalid_state`,
      );
      const second = await atCallback();
      const cookie = second.browser.cookie(world.app.url, 'oidc_flow')!;
      second.browser.setCookie(world.app.url, 'oidc_flow', flip(cookie));
      expect((await arrive(world, second.browser, second.callback)).location).toBe(
        `${APP_URL}/#error=invalid_state`,
      );
      for (const state of ['', 'short', 'x'.repeat(500)]) {
        const odd = withQuery(first.callback, (p) => p.set('state', state));
        expect((await arrive(world, first.browser, odd)).location).toBe(
          `${APP_URL}/#error=invalid_state`,
        );
      }
      const twice = withQuery(second.callback, (p) => p.append('state', p.get('state')!));
      expect((await arrive(world, second.browser, twice)).location).toBe(
        `${APP_URL}/#error=invalid_state`,
      );
    });

    it('replayed (the same callback twice, cookie and all): invalid_state the second time', async () => {
      const { browser, callback } = await atCallback();
      const cookie = browser.cookie(world.app.url, 'oidc_flow');
      const first = await arrive(world, browser, callback);
      expect(first.fragment.get('code')).toBeTruthy();
      browser.setCookie(world.app.url, 'oidc_flow', cookie);
      expect((await arrive(world, browser, callback)).location).toBe(
        `${APP_URL}/#error=invalid_state`,
      );
    });

    it('expired after 10 minutes: invalid_state', async () => {
      const { browser, callback, email } = await atCallback();
      await world.app.sql(`UPDATE oidc_flows SET expires_at = now() - interval '1 second'`);
      expect((await arrive(world, browser, callback)).location).toBe(
        `${APP_URL}/#error=invalid_state`,
      );
      expect(await usersNamed(email)).toBe(0);
    });
  });

  it('passes on the provider’s refusal as access_denied, to the returnTo of the flow', async () => {
    const browser = new FlowBrowser();
    const sub = providerAccount(world, { email: uniqueEmail('cancel'), email_verified: true });
    const authorization = await startFlow(world, browser, '?returnTo=/signin');
    const callback = await throughProvider(
      browser,
      authorization,
      { login: sub, cancel: true },
      world.callbackUrl,
    );
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    expect((await arrive(world, browser, callback)).location).toBe(
      `${APP_URL}/signin#error=access_denied`,
    );
  });

  describe('an ID token that fails a check is provider_error, and nobody signs in', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, typeof world.op.tamper][] = [
      ['a wrong iss', { claims: (c) => ({ ...c, iss: 'https://evil.example.com' }) }],
      ['a wrong aud', { claims: (c) => ({ ...c, aud: 'someone-else' }) }],
      ['a foreign azp', { claims: (c) => ({ ...c, aud: [String(c.aud), 'other'], azp: 'other' }) }],
      ['a wrong nonce', { claims: (c) => ({ ...c, nonce: 'A'.repeat(43) }) }],
      ['no nonce', { claims: ({ nonce: _nonce, ...c }) => c }],
      ['an expired one', { claims: (c) => ({ ...c, iat: now() - 600, exp: now() - 120 }) }],
      [
        'one issued in the future',
        { claims: (c) => ({ ...c, iat: now() + 600, exp: now() + 900 }) },
      ],
      ['another sub', { claims: (c) => ({ ...c, sub: 'someone-else' }) }],
      ['a key outside the provider’s JWKS', { unknownKey: true }],
    ];
    it.each(cases)('%s', async (_name, tamper) => {
      const { browser, callback, email } = await atCallback('?returnTo=/back');
      world.op.tamper = tamper;
      const result = await arrive(world, browser, callback);
      expect(result.location).toBe(`${APP_URL}/back#error=provider_error`);
      expect(await usersNamed(email)).toBe(0);
    });

    it('while the same flow with the token untouched signs in (the harness itself bends nothing)', async () => {
      const { browser, callback, email } = await atCallback();
      world.op.tamper = { claims: (c) => c };
      const result = await arrive(world, browser, callback);
      expect((await exchange(world, result.fragment.get('code'))).status).toBe(200);
      expect(await usersNamed(email)).toBe(1);
    });
  });

  it('answers provider_error when the authorization code was already redeemed', async () => {
    const { browser, callback } = await atCallback();
    // A second flow whose callback carries the first one's code: the provider refuses it.
    expect((await arrive(world, browser, callback)).fragment.get('code')).toBeTruthy();
    const other = await atCallback();
    const stolen = withQuery(other.callback, (p) =>
      p.set('code', new URL(callback).searchParams.get('code')!),
    );
    expect((await arrive(world, other.browser, stolen)).location).toBe(
      `${APP_URL}/#error=provider_error`,
    );
  });

  describe('returnTo', () => {
    const refused = [
      '//evil.example.com',
      '/\\evil.example.com',
      '/\\/evil.example.com',
      'https://evil.example.com',
      'evil.example.com',
      '',
      '/#frag',
      '/a\nb',
      `/${'a'.repeat(600)}`,
    ];
    it.each(refused)('refuses %j with 400 validation_failed', async (returnTo) => {
      const answer = await world.app.http.get(
        `/auth/oidc/${PROVIDER_ID}?returnTo=${encodeURIComponent(returnTo)}`,
      );
      expectProblem(answer, 400, 'validation_failed');
      expect(answer.headers.get('set-cookie')).toBeNull();
    });

    it('refuses it given twice, and unknown query fields', async () => {
      expectProblem(
        await world.app.http.get(`/auth/oidc/${PROVIDER_ID}?returnTo=/a&returnTo=/b`),
        400,
        'validation_failed',
      );
      expectProblem(
        await world.app.http.get(`/auth/oidc/${PROVIDER_ID}?next=/a`),
        400,
        'validation_failed',
      );
    });

    it('keeps a local path with its query, always behind APP_URL', async () => {
      const browser = new FlowBrowser();
      const sub = providerAccount(world, { email: uniqueEmail('return'), email_verified: true });
      const authorization = await startFlow(
        world,
        browser,
        `?returnTo=${encodeURIComponent('/@evil.example.com/settings?tab=1')}`,
      );
      const callback = await throughProvider(
        browser,
        authorization,
        { login: sub },
        world.callbackUrl,
      );
      const result = await arrive(world, browser, callback);
      expect(result.location).toMatch(
        new RegExp(`^${APP_URL}/@evil\\.example\\.com/settings\\?tab=1#code=`),
      );
      expect(new URL(result.location).host).toBe(new URL(APP_URL).host);
    });
  });

  it('counts each start against the login budget (every start stores a flow)', async () => {
    const limited = await startFederationWorld({ AUTH_LOGIN_RATE_LIMIT: '2' });
    try {
      for (let i = 0; i < 2; i++) {
        expect(
          (await new FlowBrowser().request(`${limited.app.url}/auth/oidc/${PROVIDER_ID}`)).status,
        ).toBe(302);
      }
      const refused = await limited.app.http.get(`/auth/oidc/${PROVIDER_ID}`);
      expectProblem(refused, 429, 'too_many_requests');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.app.sql(`SELECT 1 FROM oidc_flows`)).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });

  it('answers provider_error (back to the app) when the provider cannot be reached', async () => {
    const down = await startFederationWorld({
      AUTH_OIDC_PROVIDERS: `${PROVIDER_ID},down`,
      AUTH_OIDC_DOWN_ISSUER: 'http://127.0.0.1:9',
      AUTH_OIDC_DOWN_CLIENT_ID: 'x',
      AUTH_OIDC_DOWN_CLIENT_SECRET: 'y',
    });
    try {
      const started = await new FlowBrowser().request(
        `${down.app.url}/auth/oidc/down?returnTo=/in`,
      );
      expect(started.status).toBe(302);
      expect(started.location).toBe(`${APP_URL}/in#error=provider_error`);
    } finally {
      await down.close();
    }
  });
});

import { createHash } from 'node:crypto';
import { enableTotp, TestClock, type MfaUser } from '../mfa/helpers';
import { expectProblem } from '../support/forge';
import { eventually, login, PASSWORD, registerUser, uniqueEmail } from '../support/test-app';
import { FlowBrowser, throughProvider } from './browser';
import {
  APP_URL,
  arrive,
  decodeJwtPayload,
  exchange,
  type FederationWorld,
  PROVIDER_ID,
  providerAccount,
  signInAtProvider,
  startFederationWorld,
  startFlow,
} from './helpers';

/**
 * Sign in with an OpenID Connect provider (docs/api.md, "Sign in with an identity provider"),
 * against panva's oidc-provider on 127.0.0.1: the authorization request, who signs in (a
 * linked identity, a verified address on both sides, a new account without a password), and
 * the one-time code's exchange.
 */
describe('sign in with an OpenID Connect provider', () => {
  let world: FederationWorld;
  beforeAll(async () => {
    // strict-op: the same provider under another id that may not link by address.
    world = await startFederationWorld({ AUTH_OIDC_STRICT_OP_LINK_BY_EMAIL: 'false' }, [
      'strict-op',
    ]);
  });
  afterAll(() => world.close());

  const userByEmail = async (email: string) =>
    (
      await world.app.sql(
        `SELECT id, email_verified, password_hash IS NULL AS passwordless FROM users WHERE email = $1`,
        [email],
      )
    )[0] as { id: string; email_verified: boolean; passwordless: boolean } | undefined;
  const identitiesOf = (userId: string) =>
    world.app.sql(
      `SELECT provider, subject, email, last_used_at FROM identities WHERE user_id = $1`,
      [userId],
    );
  /** The user's audit events, once those of `types` are written (the log writes after the answer). */
  async function eventsOf(userId: string, types: string[]) {
    const read = () =>
      world.app.sql<{ type: string; detail: Record<string, string> }>(
        `SELECT type, detail FROM auth_events WHERE user_id = $1 ORDER BY id`,
        [userId],
      );
    await eventually(async () => {
      const found = (await read()).map((event) => event.type);
      return types.every((type) => found.includes(type));
    });
    return read();
  }

  /** Signs in as a provider account and exchanges the code (200 asserted). */
  async function signedIn(login: string, provider = PROVIDER_ID) {
    const result = await signInAtProvider(world, { login }, { provider });
    expect(result.fragment.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const answer = await exchange(world, result.fragment.get('code'));
    expect(answer.status).toBe(200);
    return answer;
  }

  it('lists the configured providers', async () => {
    const listed = await world.app.http.get('/auth/oidc/providers');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      { id: PROVIDER_ID, name: 'Test OP' },
      { id: 'strict-op', name: 'strict-op' },
    ]);
  });

  it('sends the authorization request the contract fixes, bound to a cookie of this browser', async () => {
    const browser = new FlowBrowser();
    const started = await browser.request(`${world.app.url}/auth/oidc/${PROVIDER_ID}?returnTo=/x`);
    expect(started.status).toBe(302);
    const url = new URL(started.location!);
    expect(`${url.origin}${url.pathname}`).toBe(`${world.op.issuer}/auth`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toEqual({
      response_type: 'code',
      client_id: world.op.clientId,
      redirect_uri: world.callbackUrl,
      scope: 'openid email profile',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), // 256 bits
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    expect(params.state).not.toBe(params.nonce);
    const cookie = started.headers.getSetCookie().find((line) => line.startsWith('oidc_flow='))!;
    expect(cookie).toMatch(/^oidc_flow=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\/auth\/oidc(;|$)/);
    expect(cookie).toMatch(/; Max-Age=600(;|$)/);
    // The state is stored only as its hash; the verifier and the nonce not at all.
    const rows = await world.app.sql(`SELECT encode(state_hash, 'hex') AS h FROM oidc_flows`);
    const stateHash = createHash('sha256').update(params.state).digest('hex');
    expect(rows.map((row: { h: string }) => row.h)).toContain(stateHash);
    const dump = JSON.stringify(await world.app.sql(`SELECT * FROM oidc_flows`));
    expect(dump).not.toContain(params.state);
    expect(dump).not.toContain(params.nonce);

    // Two starts, two states and two challenges.
    const again = new URL(
      (await new FlowBrowser().request(`${world.app.url}/auth/oidc/${PROVIDER_ID}`)).location!,
    );
    expect(again.searchParams.get('state')).not.toBe(params.state);
    expect(again.searchParams.get('code_challenge')).not.toBe(params.code_challenge);

    // The token request carries the verifier of that challenge (S256), and the secret.
    const sub = providerAccount(world, { email: uniqueEmail(), email_verified: true });
    const callback = await throughProvider(
      browser,
      started.location!,
      { login: sub },
      world.callbackUrl,
    );
    const before = world.op.tokenRequests.length;
    const result = await arrive(world, browser, callback);
    expect(result.location).toMatch(new RegExp(`^${APP_URL}/x#code=`));
    const token = world.op.tokenRequests[before];
    expect(token).toMatchObject({ client_id: world.op.clientId, redirect_uri: world.callbackUrl });
    expect(createHash('sha256').update(String(token.code_verifier)).digest('base64url')).toBe(
      params.code_challenge,
    );
    // The callback clears the cookie.
    expect(browser.cookie(world.app.url, 'oidc_flow')).toBeUndefined();
  });

  it('opens a new account without a password, verified as the provider asserts, amr ["fed"]', async () => {
    const email = uniqueEmail('new');
    const sub = providerAccount(world, {
      email: email.toUpperCase(),
      email_verified: true,
      name: 'Ada',
    });
    const result = await signInAtProvider(world, { login: sub });
    expect(result.status).toBe(303);
    expect(result.location).toMatch(new RegExp(`^${APP_URL}/#code=[A-Za-z0-9_-]{43}$`));
    const answer = await exchange(world, result.fragment.get('code'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ tokenType: 'Bearer', refreshToken: expect.any(String) });
    expect(answer.headers.getSetCookie().some((line) => line.startsWith('refresh_token='))).toBe(
      true,
    );
    expect(decodeJwtPayload(answer.body.accessToken).amr).toEqual(['fed']);

    const user = await userByEmail(email);
    expect(user).toMatchObject({ email_verified: true, passwordless: true });
    const me = await world.app.http.get('/users/me', { token: answer.body.accessToken });
    expect(me.body).toMatchObject({ id: user!.id, email, name: 'Ada', emailVerified: true });
    expect(await identitiesOf(user!.id)).toEqual([
      { provider: PROVIDER_ID, subject: sub, email, last_used_at: expect.any(Date) },
    ]);
    const events = await eventsOf(user!.id, [
      'user.registered',
      'identity_linked',
      'oidc_login',
      'login.succeeded',
    ]);
    const succeeded = events.find((event) => event.type === 'login.succeeded');
    expect(succeeded?.detail).toMatchObject({ method: 'oidc', provider: PROVIDER_ID });
    // No password to guess: any password answers invalid_credentials.
    expectProblem(
      await world.app.http.post('/auth/login', { email, password: PASSWORD }),
      401,
      'invalid_credentials',
    );
  });

  it('opens an unverified account when the provider does not assert the address', async () => {
    const email = uniqueEmail('unverified');
    const sub = providerAccount(world, { email, email_verified: false });
    await signedIn(sub);
    expect(await userByEmail(email)).toMatchObject({ email_verified: false, passwordless: true });
  });

  it('signs the same identity in again to the same account, even with a new address', async () => {
    const email = uniqueEmail('again');
    const sub = providerAccount(world, { email, email_verified: true });
    const first = await signedIn(sub);
    const userId = decodeJwtPayload(first.body.accessToken).sub;
    const [{ last_used_at: firstUse }] = await identitiesOf(userId as string);
    world.op.accounts.get(sub)!.email = uniqueEmail('renamed');
    const second = await signedIn(sub);
    expect(decodeJwtPayload(second.body.accessToken).sub).toBe(userId);
    expect(second.body.sessionId).not.toBe(first.body.sessionId);
    const identities = await identitiesOf(userId as string);
    expect(identities).toHaveLength(1);
    expect(identities[0].last_used_at.getTime()).toBeGreaterThanOrEqual(firstUse.getTime());
    expect(await userByEmail(world.op.accounts.get(sub)!.email!)).toBeUndefined();
  });

  it('links to an existing account when both the provider and the account verified the address', async () => {
    const owner = await registerUser(world.app.http, uniqueEmail('owner'));
    await world.app.sql(`UPDATE users SET email_verified = true WHERE id = $1`, [owner.user!.id]);
    const sub = providerAccount(world, { email: owner.email.toUpperCase(), email_verified: true });
    const answer = await signedIn(sub);
    expect(decodeJwtPayload(answer.body.accessToken).sub).toBe(owner.user!.id);
    expect(await identitiesOf(owner.user!.id)).toEqual([
      expect.objectContaining({ provider: PROVIDER_ID, subject: sub, email: owner.email }),
    ]);
    const linked = (await eventsOf(owner.user!.id, ['identity_linked'])).find(
      (event) => event.type === 'identity_linked',
    );
    expect(linked?.detail).toMatchObject({ provider: PROVIDER_ID, by: 'email' });
    // The password still signs in.
    await login(world.app.http, owner.email);
  });

  describe('answers account_exists for an existing address unless both sides verified it', () => {
    const cases: [string, { accountVerified: boolean; claim: unknown }][] = [
      [
        'the provider says unverified, the account is verified',
        { accountVerified: true, claim: false },
      ],
      [
        'the provider says nothing, the account is verified',
        { accountVerified: true, claim: undefined },
      ],
      ['the provider says "true" as a string', { accountVerified: true, claim: 'true' }],
      ['the provider verified it, the account did not', { accountVerified: false, claim: true }],
      ['neither verified it', { accountVerified: false, claim: false }],
    ];
    it.each(cases)('%s', async (_name, { accountVerified, claim }) => {
      const owner = await registerUser(world.app.http, uniqueEmail('exists'));
      await world.app.sql(`UPDATE users SET email_verified = $2 WHERE id = $1`, [
        owner.user!.id,
        accountVerified,
      ]);
      const sub = providerAccount(world, { email: owner.email });
      if (claim !== undefined)
        (world.op.accounts.get(sub) as unknown as Record<string, unknown>).email_verified = claim;
      const sessionsBefore = await world.app.sql(`SELECT id FROM sessions WHERE user_id = $1`, [
        owner.user!.id,
      ]);
      const result = await signInAtProvider(world, { login: sub });
      expect(result.location).toBe(`${APP_URL}/#error=account_exists`);
      expect(await identitiesOf(owner.user!.id)).toEqual([]);
      expect(
        await world.app.sql(`SELECT id FROM sessions WHERE user_id = $1`, [owner.user!.id]),
      ).toHaveLength(sessionsBefore.length);
    });

    it('and with LINK_BY_EMAIL=false even when both verified it', async () => {
      const owner = await registerUser(world.app.http, uniqueEmail('strict'));
      await world.app.sql(`UPDATE users SET email_verified = true WHERE id = $1`, [owner.user!.id]);
      const sub = providerAccount(world, { email: owner.email, email_verified: true });
      const result = await signInAtProvider(world, { login: sub }, { provider: 'strict-op' });
      expect(result.location).toBe(`${APP_URL}/#error=account_exists`);
      expect(await identitiesOf(owner.user!.id)).toEqual([]);
      // The same provider under the id that may link does.
      await signedIn(sub, PROVIDER_ID);
      expect(await identitiesOf(owner.user!.id)).toHaveLength(1);
    });
  });

  it('answers email_required when the provider gives no address, and opens nothing', async () => {
    const sub = providerAccount(world, {});
    const before = await world.app.sql(`SELECT count(*)::int AS n FROM users`);
    const result = await signInAtProvider(world, { login: sub });
    expect(result.location).toBe(`${APP_URL}/#error=email_required`);
    expect(await world.app.sql(`SELECT count(*)::int AS n FROM users`)).toEqual(before);
    expect(await world.app.sql(`SELECT 1 FROM identities WHERE subject = $1`, [sub])).toEqual([]);
  });

  it('refuses a disabled account: its linked identity, its verified address, and a code issued before', async () => {
    const email = uniqueEmail('disabled');
    const sub = providerAccount(world, { email, email_verified: true });
    const first = await signedIn(sub);
    const userId = decodeJwtPayload(first.body.accessToken).sub as string;
    // A code issued, then the account disabled before it is exchanged.
    const pending = await signInAtProvider(world, { login: sub });
    await world.app.sql(`UPDATE users SET disabled = true WHERE id = $1`, [userId]);
    expectProblem(await exchange(world, pending.fragment.get('code')), 403, 'account_disabled');
    expect((await signInAtProvider(world, { login: sub })).location).toBe(
      `${APP_URL}/#error=account_disabled`,
    );

    // By address: a disabled account is not linked either.
    const owner = await registerUser(world.app.http, uniqueEmail('disabled-owner'));
    await world.app.sql(`UPDATE users SET email_verified = true, disabled = true WHERE id = $1`, [
      owner.user!.id,
    ]);
    const other = providerAccount(world, { email: owner.email, email_verified: true });
    expect((await signInAtProvider(world, { login: other })).location).toBe(
      `${APP_URL}/#error=account_disabled`,
    );
    expect(await identitiesOf(owner.user!.id)).toEqual([]);
  });

  describe('the one-time code', () => {
    it('is single use, stored only as its hash', async () => {
      const sub = providerAccount(world, { email: uniqueEmail('code'), email_verified: true });
      const result = await signInAtProvider(world, { login: sub });
      const code = result.fragment.get('code')!;
      const hash = createHash('sha256').update(code).digest('hex');
      const stored = await world.app.sql(`SELECT encode(code_hash, 'hex') AS h FROM oidc_codes`);
      expect(stored.map((row: { h: string }) => row.h)).toContain(hash);
      expect(JSON.stringify(await world.app.sql(`SELECT * FROM oidc_codes`))).not.toContain(code);
      const [first, second] = await Promise.all([exchange(world, code), exchange(world, code)]);
      expect([first.status, second.status].sort()).toEqual([200, 401]);
      expectProblem(
        [first, second].find((answer) => answer.status === 401)!,
        401,
        'invalid_grant',
        [code],
      );
      expectProblem(await exchange(world, code), 401, 'invalid_grant');
    });

    it('expires after 60 seconds', async () => {
      const sub = providerAccount(world, { email: uniqueEmail('late'), email_verified: true });
      const code = (await signInAtProvider(world, { login: sub })).fragment.get('code')!;
      const hash = createHash('sha256').update(code).digest();
      const [{ seconds }] = await world.app.sql(
        `SELECT extract(epoch FROM expires_at - now())::int AS seconds FROM oidc_codes WHERE code_hash = $1`,
        [hash],
      );
      expect(seconds).toBeGreaterThan(50);
      expect(seconds).toBeLessThanOrEqual(60);
      await world.app.sql(
        `UPDATE oidc_codes SET expires_at = now() - interval '1 second' WHERE code_hash = $1`,
        [hash],
      );
      expectProblem(await exchange(world, code), 401, 'invalid_grant');
    });

    it('refuses unknown codes with invalid_grant and bad bodies with 400', async () => {
      expectProblem(await exchange(world, 'A'.repeat(43)), 401, 'invalid_grant');
      expectProblem(await exchange(world, 'not a code'), 401, 'invalid_grant');
      for (const body of [
        {},
        { code: 42 },
        { code: null },
        { code: ['x'] },
        { code: 'x', extra: 1 },
        { code: 'x'.repeat(200) },
      ]) {
        expectProblem(
          await world.app.http.post('/auth/oidc/exchange', body),
          400,
          'validation_failed',
        );
      }
      expectProblem(
        await world.app.http.post('/auth/oidc/exchange', undefined, {
          rawBody: 'code=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        415,
        'unsupported_media_type',
      );
    });
  });

  describe('an account with TOTP on', () => {
    let clock: TestClock;
    beforeEach(() => {
      clock = new TestClock(world.app);
    });
    afterEach(() => jest.restoreAllMocks());

    const secondStep = async (mfaToken: string, user: { secret: string }) =>
      world.app.http.post('/auth/login/mfa', { mfaToken, code: clock.code(user.secret) });

    it('exchanges for mfa_required, and the second step carries ["fed", "otp", "mfa"]', async () => {
      const owner = await registerUser(world.app.http, uniqueEmail('totp'));
      await world.app.sql(`UPDATE users SET email_verified = true WHERE id = $1`, [owner.user!.id]);
      const user: MfaUser = await enableTotp(world.app, clock, owner);
      const sub = providerAccount(world, { email: owner.email, email_verified: true });
      const result = await signInAtProvider(world, { login: sub });
      const answer = await exchange(world, result.fragment.get('code'));
      expectProblem(answer, 401, 'mfa_required');
      const step = await secondStep(answer.body.mfaToken, user);
      expect(step.status).toBe(200);
      expect(decodeJwtPayload(step.body.accessToken).amr).toEqual(['fed', 'otp', 'mfa']);
      // The password login of the same account still says pwd.
      const pwd = await world.app.http.post('/auth/login', {
        email: owner.email,
        password: PASSWORD,
      });
      clock.tick();
      const pwdStep = await secondStep(pwd.body.mfaToken, user);
      expect(decodeJwtPayload(pwdStep.body.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    });

    it('a recovery code after an identity provider carries ["fed", "mfa"]', async () => {
      const owner = await registerUser(world.app.http, uniqueEmail('recovery'));
      await world.app.sql(`UPDATE users SET email_verified = true WHERE id = $1`, [owner.user!.id]);
      const user = await enableTotp(world.app, clock, owner);
      const sub = providerAccount(world, { email: owner.email, email_verified: true });
      const answer = await exchange(
        world,
        (await signInAtProvider(world, { login: sub })).fragment.get('code'),
      );
      const step = await world.app.http.post('/auth/login/mfa', {
        mfaToken: answer.body.mfaToken,
        recoveryCode: user.recoveryCodes[0],
      });
      expect(step.status).toBe(200);
      expect(decodeJwtPayload(step.body.accessToken).amr).toEqual(['fed', 'mfa']);
    });

    it('an account opened by the provider that turns TOTP on needs it at its next sign-in', async () => {
      const sub = providerAccount(world, { email: uniqueEmail('fed-totp'), email_verified: true });
      const first = await signedIn(sub);
      const { secret } = (
        await world.app.http.post('/auth/mfa/totp', {}, { token: first.body.accessToken })
      ).body;
      expect(
        (
          await world.app.http.post(
            '/auth/mfa/totp/confirm',
            { code: clock.code(secret) },
            { token: first.body.accessToken },
          )
        ).status,
      ).toBe(200);
      clock.tick();
      // The session that turned it on carries fed, otp and mfa from its next refresh.
      const refreshed = await world.app.http.post('/auth/refresh', {
        refreshToken: first.body.refreshToken,
      });
      expect(decodeJwtPayload(refreshed.body.accessToken).amr).toEqual(['fed', 'otp', 'mfa']);
      const answer = await exchange(
        world,
        (await signInAtProvider(world, { login: sub })).fragment.get('code'),
      );
      expectProblem(answer, 401, 'mfa_required');
      const step = await secondStep(answer.body.mfaToken, { secret });
      expect(decodeJwtPayload(step.body.accessToken).amr).toEqual(['fed', 'otp', 'mfa']);
    });
  });

  it('starts nothing for an unknown provider (404), nor calls back for one', async () => {
    expectProblem(await world.app.http.get('/auth/oidc/nobody'), 404, 'not_found');
    expectProblem(
      await world.app.http.get('/auth/oidc/nobody/callback?state=x&code=y'),
      404,
      'not_found',
    );
    expectProblem(await world.app.http.post('/auth/oidc/nobody/link', {}), 401, 'missing_token');
  });

  it('keeps the flow for the provider it started with', async () => {
    const browser = new FlowBrowser();
    const sub = providerAccount(world, { email: uniqueEmail('mixed'), email_verified: true });
    const authorization = await startFlow(world, browser, '', 'strict-op');
    const callback = await throughProvider(
      browser,
      authorization,
      { login: sub },
      world.callbackOf('strict-op'),
    );
    // The same query delivered to another provider's callback.
    const elsewhere = callback.replace('/strict-op/', `/${PROVIDER_ID}/`);
    expect((await arrive(world, browser, elsewhere)).location).toBe(
      `${APP_URL}/#error=invalid_state`,
    );
  });
});

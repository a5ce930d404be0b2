import { expectProblem } from '../support/forge';
import { linkToken, TestSmtpServer } from '../support/smtp';
import { eventually, PASSWORD, registerUser, uniqueEmail } from '../support/test-app';
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
} from './helpers';

/**
 * Identities of a signed-in user (docs/api.md): linking through a one-time URL, the list,
 * unlinking (never the last way in), identity_taken, and what a password reset of a
 * never-verified address removes.
 */
describe('linked identities', () => {
  let world: FederationWorld;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    world = await startFederationWorld({ SMTP_URL: smtp.url, AUTH_MAIL_INTERVAL: '0s' }, [
      'second-op',
    ]);
  });
  afterAll(async () => {
    await world.close();
    await smtp.stop();
  });

  const http = () => world.app.http;
  /** The user's audit events of a type, once the audit log has written one (it writes after the answer). */
  async function eventsOf(userId: string, type: string) {
    const read = () =>
      world.app.sql(`SELECT detail FROM auth_events WHERE user_id = $1 AND type = $2`, [
        userId,
        type,
      ]);
    await eventually(async () => (await read()).length > 0);
    return read();
  }
  const listOf = (token: string) => http().get('/auth/identities', { token });

  /** POST …/link, then the whole flow from that URL in a new browser: the callback's answer. */
  async function linkAs(accessToken: string, login: string, provider = PROVIDER_ID) {
    const asked = await http().post(`/auth/oidc/${provider}/link`, {}, { token: accessToken });
    expect(asked.status).toBe(200);
    const browser = new FlowBrowser();
    const started = await browser.request(`${asked.body.url}&returnTo=/settings`);
    expect(started.status).toBe(302);
    const callback = await throughProvider(
      browser,
      started.location!,
      { login },
      world.callbackOf(provider),
    );
    return { url: asked.body.url as string, result: await arrive(world, browser, callback) };
  }

  /** A new account opened by the provider (no password): its tokens. */
  async function federatedAccount(provider = PROVIDER_ID) {
    const sub = providerAccount(world, { email: uniqueEmail('fed'), email_verified: true });
    const result = await signInAtProvider(world, { login: sub }, { provider });
    const answer = await exchange(world, result.fragment.get('code'));
    expect(answer.status).toBe(200);
    return { sub, tokens: answer.body };
  }

  it('links a provider account to the signed-in user through a one-time URL', async () => {
    const user = await registerUser(http(), uniqueEmail('linker'));
    // Another address at the provider, not verified: linking needs no address rule.
    const providerEmail = uniqueEmail('elsewhere');
    const sub = providerAccount(world, { email: providerEmail, email_verified: false });
    const { url, result } = await linkAs(user.accessToken, sub);
    expect(url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+/auth/oidc/${PROVIDER_ID}\\?link=[A-Za-z0-9_-]{43}$`),
    );
    expect(result.location).toBe(`${APP_URL}/settings#linked=${PROVIDER_ID}`);
    const listed = await listOf(user.accessToken);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      {
        id: expect.any(String),
        provider: PROVIDER_ID,
        email: providerEmail,
        linkedAt: expect.any(String),
        lastUsedAt: null,
      },
    ]);
    expect(await eventsOf(user.user!.id, 'identity_linked')).toEqual([
      { detail: { provider: PROVIDER_ID, by: 'link' } },
    ]);

    // Signing in with it now opens the user's account, and the list shows the use.
    const signedIn = await exchange(
      world,
      (await signInAtProvider(world, { login: sub })).fragment.get('code'),
    );
    expect(decodeJwtPayload(signedIn.body.accessToken).sub).toBe(user.user!.id);
    expect((await listOf(user.accessToken)).body[0].lastUsedAt).toEqual(expect.any(String));

    // The URL was for one flow only.
    expectProblem(
      await http().get(new URL(url).pathname + new URL(url).search),
      400,
      'invalid_link',
    );
  });

  it('refuses link URLs that are unknown, expired or for another provider', async () => {
    const user = await registerUser(http(), uniqueEmail('tickets'));
    expectProblem(
      await http().get(`/auth/oidc/${PROVIDER_ID}?link=${'A'.repeat(43)}`),
      400,
      'invalid_link',
    );
    expectProblem(await http().get(`/auth/oidc/${PROVIDER_ID}?link=short`), 400, 'invalid_link');
    const asked = await http().post(
      `/auth/oidc/${PROVIDER_ID}/link`,
      {},
      { token: user.accessToken },
    );
    const ticket = new URL(asked.body.url).searchParams.get('link');
    expectProblem(await http().get(`/auth/oidc/second-op?link=${ticket}`), 400, 'invalid_link');
    const again = await http().post(
      `/auth/oidc/${PROVIDER_ID}/link`,
      {},
      { token: user.accessToken },
    );
    await world.app.sql(`UPDATE oidc_link_tickets SET expires_at = now() - interval '1 second'`);
    expectProblem(
      await http().get(new URL(again.body.url).pathname + new URL(again.body.url).search),
      400,
      'invalid_link',
    );
    expectProblem(
      await http().post('/auth/oidc/nobody/link', {}, { token: user.accessToken }),
      404,
      'not_found',
    );
    expectProblem(await http().post(`/auth/oidc/${PROVIDER_ID}/link`, {}), 401, 'missing_token');
    expectProblem(
      await http().post(`/auth/oidc/${PROVIDER_ID}/link`, { x: 1 }, { token: user.accessToken }),
      400,
      'validation_failed',
    );
    expectProblem(await http().get('/auth/identities'), 401, 'missing_token');
  });

  it('answers identity_taken for an identity linked to another account, and links nothing', async () => {
    const { sub, tokens: owner } = await federatedAccount();
    const other = await registerUser(http(), uniqueEmail('taker'));
    const { result } = await linkAs(other.accessToken, sub);
    expect(result.location).toBe(`${APP_URL}/settings#error=identity_taken`);
    expect((await listOf(other.accessToken)).body).toEqual([]);
    expect((await listOf(owner.accessToken)).body).toHaveLength(1);
    // Linking one's own identity again is fine.
    expect((await linkAs(owner.accessToken, sub)).result.location).toBe(
      `${APP_URL}/settings#linked=${PROVIDER_ID}`,
    );
    expect((await listOf(owner.accessToken)).body).toHaveLength(1);
  });

  it('unlinks an identity of an account that has a password; 404 for anyone else’s', async () => {
    const user = await registerUser(http(), uniqueEmail('unlinker'));
    const sub = providerAccount(world, { email: uniqueEmail('p'), email_verified: true });
    await linkAs(user.accessToken, sub);
    const [identity] = (await listOf(user.accessToken)).body;
    const stranger = await registerUser(http(), uniqueEmail('stranger'));
    expectProblem(
      await http().delete(`/auth/identities/${identity.id}`, { token: stranger.accessToken }),
      404,
      'not_found',
    );
    expectProblem(
      await http().delete('/auth/identities/not-a-uuid', { token: user.accessToken }),
      404,
      'not_found',
    );
    expectProblem(
      await http().delete(
        `/auth/identities/${`${identity.id.slice(0, -1)}${identity.id.endsWith('0') ? '1' : '0'}`}`,
        {
          token: user.accessToken,
        },
      ),
      404,
      'not_found',
    );
    expectProblem(await http().delete(`/auth/identities/${identity.id}`), 401, 'missing_token');

    const removed = await http().delete(`/auth/identities/${identity.id}`, {
      token: user.accessToken,
    });
    expect(removed.status).toBe(204);
    expect((await listOf(user.accessToken)).body).toEqual([]);
    expect(await eventsOf(user.user!.id, 'identity_unlinked')).toEqual([
      { detail: { provider: PROVIDER_ID } },
    ]);
    expectProblem(
      await http().delete(`/auth/identities/${identity.id}`, { token: user.accessToken }),
      404,
      'not_found',
    );
    // The provider account is nobody's now: it signs in as a new account of its own.
    const again = await exchange(
      world,
      (await signInAtProvider(world, { login: sub })).fragment.get('code'),
    );
    expect(decodeJwtPayload(again.body.accessToken).sub).not.toBe(user.user!.id);
  });

  it('never unlinks the last way into an account without a password (409 last_sign_in_method)', async () => {
    const { sub, tokens } = await federatedAccount();
    const [only] = (await listOf(tokens.accessToken)).body;
    expectProblem(
      await http().delete(`/auth/identities/${only.id}`, { token: tokens.accessToken }),
      409,
      'last_sign_in_method',
    );

    // A second identity: one of the two may go, and of the two removed at once only one.
    await linkAs(tokens.accessToken, sub, 'second-op');
    const both = (await listOf(tokens.accessToken)).body as { id: string }[];
    expect(both).toHaveLength(2);
    const answers = await Promise.all(
      both.map((identity) =>
        http().delete(`/auth/identities/${identity.id}`, { token: tokens.accessToken }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 409]);
    expect((await listOf(tokens.accessToken)).body).toHaveLength(1);

    // Once the account has a password, the last identity may go.
    const [last] = (await listOf(tokens.accessToken)).body;
    const set = await http().post(
      '/auth/password',
      { newPassword: PASSWORD },
      { token: tokens.accessToken },
    );
    expect(set.status).toBe(204);
    expect(
      (await http().delete(`/auth/identities/${last.id}`, { token: tokens.accessToken })).status,
    ).toBe(204);
  });

  it('a password reset of a never-verified account removes its linked identities', async () => {
    const email = uniqueEmail('unproven');
    const sub = providerAccount(world, { email, email_verified: false });
    const answer = await exchange(
      world,
      (await signInAtProvider(world, { login: sub })).fragment.get('code'),
    );
    expect(answer.status).toBe(200);
    const userId = decodeJwtPayload(answer.body.accessToken).sub as string;
    expect(
      await world.app.sql(`SELECT 1 FROM identities WHERE user_id = $1`, [userId]),
    ).toHaveLength(1);

    expect((await http().post('/auth/password/forgot', { email })).status).toBe(202);
    const mails = await smtp.waitFor(email, 2); // the verification mail, then the reset
    const reset = mails.filter((mail) => /reset/i.test(mail.subject ?? '')).pop()!;
    const done = await http().post('/auth/password/reset', {
      token: linkToken(reset, '/reset-password'),
      newPassword: 'the owner of the address',
    });
    expect(done.status).toBe(204);
    expect(await world.app.sql(`SELECT 1 FROM identities WHERE user_id = $1`, [userId])).toEqual(
      [],
    );
    // Whoever linked that provider account no longer gets in with it: the address is proven
    // now, and the provider never asserted it, so it may not link again either.
    expect((await signInAtProvider(world, { login: sub })).location).toBe(
      `${APP_URL}/#error=account_exists`,
    );
  });

  it('voids pending codes and link URLs when every session of the user ends', async () => {
    const { sub, tokens } = await federatedAccount();
    const asked = await http().post(
      `/auth/oidc/${PROVIDER_ID}/link`,
      {},
      { token: tokens.accessToken },
    );
    const pending = await signInAtProvider(world, { login: sub });
    expect((await http().post('/auth/logout-all', {}, { token: tokens.accessToken })).status).toBe(
      204,
    );
    expectProblem(await exchange(world, pending.fragment.get('code')), 401, 'invalid_grant');
    expectProblem(
      await http().get(new URL(asked.body.url).pathname + new URL(asked.body.url).search),
      400,
      'invalid_link',
    );
  });
});

describe('with AUTH_REQUIRE_VERIFIED_EMAIL=true', () => {
  let world: FederationWorld;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    world = await startFederationWorld({
      SMTP_URL: smtp.url,
      AUTH_MAIL_INTERVAL: '0s',
      AUTH_REQUIRE_VERIFIED_EMAIL: 'true',
    });
  });
  afterAll(async () => {
    await world.close();
    await smtp.stop();
  });

  it('an address the provider did not verify: a verification mail and #error=email_not_verified', async () => {
    const email = uniqueEmail('pending');
    const sub = providerAccount(world, { email, email_verified: false });
    const result = await signInAtProvider(world, { login: sub });
    expect(result.location).toBe(`${APP_URL}/#error=email_not_verified`);
    const [user] = await world.app.sql(`SELECT id, email_verified FROM users WHERE email = $1`, [
      email,
    ]);
    expect(user.email_verified).toBe(false);
    expect(await world.app.sql(`SELECT 1 FROM sessions WHERE user_id = $1`, [user.id])).toEqual([]);
    const [mail] = await smtp.waitFor(email);
    const verified = await world.app.http.post('/auth/verify-email', {
      token: linkToken(mail, '/verify-email'),
    });
    expect(verified.status).toBe(204);
    // Verified now: the same identity signs in.
    const after = await exchange(
      world,
      (await signInAtProvider(world, { login: sub })).fragment.get('code'),
    );
    expect(after.status).toBe(200);
    expect(decodeJwtPayload(after.body.accessToken).sub).toBe(user.id);
  });

  it('an address the provider verified signs in at once', async () => {
    const email = uniqueEmail('proven');
    const sub = providerAccount(world, { email, email_verified: true });
    const answer = await exchange(
      world,
      (await signInAtProvider(world, { login: sub })).fragment.get('code'),
    );
    expect(answer.status).toBe(200);
  });
});

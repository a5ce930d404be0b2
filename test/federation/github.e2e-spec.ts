import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggingModule } from '../../src/common/logging.module';
import { appConfig, latchOptionsFromEnv } from '../../src/config/namespaces';
import { LatchModule } from '../../src/latch.module';
import { Note } from '../../src/notes/note.entity';
import { notesMigrations } from '../../src/notes/notes.schema';
import { expectProblem } from '../support/forge';
import { freePort } from '../support/latch-process';
import { registerUser, startApp, type TestApp, uniqueEmail } from '../support/test-app';
import { FlowBrowser } from './browser';
import { startGithubStandIn } from './github-stand-in';
import { APP_URL, decodeJwtPayload } from './helpers';

const CLIENT_ID = 'Iv1.test-client';
const CLIENT_SECRET = 'github-test-secret-0123456789';
let endpoints = { authorizationUrl: '', tokenUrl: '', apiUrl: '' };

/**
 * The standalone service with the GitHub preset's endpoints moved to the test's stand-in:
 * options are values, so the test gives them beside what the environment says.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig] }),
    LoggingModule,
    LatchModule.forRootAsync({
      useFactory: () => {
        const options = latchOptionsFromEnv(process.env);
        return {
          ...options,
          requireGuards: 'all',
          federation: {
            ...options.federation,
            providers: options.federation!.providers!.map((provider) => ({
              ...provider,
              github: endpoints,
            })),
          },
        };
      },
      connection: { entities: [Note], migrations: notesMigrations },
    }),
  ],
})
class GithubTestModule {}

describe('the GitHub preset (OAuth 2.0 and its user API)', () => {
  let github: Awaited<ReturnType<typeof startGithubStandIn>>;
  let t: TestApp;
  let callbackUrl: string;
  beforeAll(async () => {
    github = await startGithubStandIn(CLIENT_ID, CLIENT_SECRET);
    endpoints = {
      authorizationUrl: `${github.url}/login/oauth/authorize`,
      tokenUrl: `${github.url}/login/oauth/access_token`,
      apiUrl: github.url,
    };
    const port = await freePort();
    callbackUrl = `http://127.0.0.1:${port}/auth/oidc/github/callback`;
    t = await startApp({
      port,
      rootModule: GithubTestModule,
      env: {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        APP_URL,
        AUTH_OIDC_PROVIDERS: 'github',
        AUTH_OIDC_GITHUB_CLIENT_ID: CLIENT_ID,
        AUTH_OIDC_GITHUB_CLIENT_SECRET: CLIENT_SECRET,
        AUTH_OIDC_GITHUB_NAME: 'GitHub',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await github.close();
  });

  let nextId = 1000;
  const githubUser = (emails: { email: string; primary: boolean; verified: boolean }[]) => {
    const id = nextId++;
    const login = `octo-${id}`;
    github.users.set(login, { id, login, name: `Octo ${id}`, emails });
    return { id, login };
  };

  /** Start, GitHub's authorize (as `login`), callback: the Location the app gets. */
  async function signIn(login: string): Promise<URL> {
    const browser = new FlowBrowser();
    const started = await browser.request(`${t.url}/auth/oidc/github`);
    expect(started.status).toBe(302);
    const authorize = new URL(started.location!);
    authorize.searchParams.set('login', login); // the stand-in's way to know who is signed in
    const approved = await browser.request(authorize.href);
    expect(approved.location!.startsWith(callbackUrl)).toBe(true);
    const back = await browser.request(approved.location!);
    expect(back.status).toBe(303);
    return new URL(back.location!);
  }
  const codeOf = (location: URL) => new URLSearchParams(location.hash.slice(1)).get('code');

  it('sends GitHub the authorization request with PKCE and state, and no nonce', async () => {
    expect((await t.http.get('/auth/oidc/providers')).body).toEqual([
      { id: 'github', name: 'GitHub' },
    ]);
    const started = await new FlowBrowser().request(`${t.url}/auth/oidc/github`);
    const url = new URL(started.location!);
    expect(`${url.origin}${url.pathname}`).toBe(endpoints.authorizationUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: callbackUrl,
      scope: 'read:user user:email',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
      allow_signup: 'true',
    });
  });

  it('opens an account from the primary verified address; the subject is the numeric id', async () => {
    const email = uniqueEmail('octo');
    const { id, login } = githubUser([
      { email: uniqueEmail('other'), primary: false, verified: true },
      { email: email.toUpperCase(), primary: true, verified: true },
    ]);
    const location = await signIn(login);
    expect(location.href).toMatch(new RegExp(`^${APP_URL}/#code=`));
    const answer = await t.http.post('/auth/oidc/exchange', { code: codeOf(location) });
    expect(answer.status).toBe(200);
    expect(decodeJwtPayload(answer.body.accessToken).amr).toEqual(['fed']);
    const [user] = await t.sql(
      `SELECT u.email, u.email_verified, u.name, i.subject FROM users u JOIN identities i ON i.user_id = u.id WHERE i.provider = 'github' AND i.subject = $1`,
      [String(id)],
    );
    expect(user).toEqual({ email, email_verified: true, name: `Octo ${id}`, subject: String(id) });
    // Renamed on GitHub: still the same account (the id, not the login, names it).
    github.users.set('renamed', { ...github.users.get(login)!, login: 'renamed' });
    const again = await t.http.post('/auth/oidc/exchange', {
      code: codeOf(await signIn('renamed')),
    });
    expect(decodeJwtPayload(again.body.accessToken).sub).toBe(
      decodeJwtPayload(answer.body.accessToken).sub,
    );
  });

  it('links by the primary address only when GitHub verified it', async () => {
    const owner = await registerUser(t.http, uniqueEmail('gh-owner'));
    await t.sql(`UPDATE users SET email_verified = true WHERE id = $1`, [owner.user!.id]);
    // A verified address that is not the primary one does not count, nor an unverified primary.
    const notPrimary = githubUser([
      { email: uniqueEmail('primary'), primary: true, verified: false },
      { email: owner.email, primary: false, verified: true },
    ]);
    const refused = await signIn(notPrimary.login);
    const newAccount = await t.http.post('/auth/oidc/exchange', { code: codeOf(refused) });
    expect(decodeJwtPayload(newAccount.body.accessToken).sub).not.toBe(owner.user!.id);
    const unverified = githubUser([{ email: owner.email, primary: true, verified: false }]);
    expect((await signIn(unverified.login)).hash).toBe('#error=account_exists');
    const verified = githubUser([{ email: owner.email, primary: true, verified: true }]);
    const linked = await t.http.post('/auth/oidc/exchange', {
      code: codeOf(await signIn(verified.login)),
    });
    expect(decodeJwtPayload(linked.body.accessToken).sub).toBe(owner.user!.id);
  });

  it('answers email_required for a GitHub account without a primary address', async () => {
    const { login } = githubUser([]);
    expect((await signIn(login)).hash).toBe('#error=email_required');
  });

  it('passes on a denial as access_denied, and a failed token or API request as provider_error', async () => {
    const { login } = githubUser([{ email: uniqueEmail('deny'), primary: true, verified: true }]);
    github.deny = true;
    expect((await signIn(login)).hash).toBe('#error=access_denied');
    github.failToken = true;
    expect((await signIn(login)).hash).toBe('#error=provider_error');
    // The token works but the account is gone: /user answers 401.
    const gone = githubUser([{ email: uniqueEmail('gone'), primary: true, verified: true }]);
    const browser = new FlowBrowser();
    const started = await browser.request(`${t.url}/auth/oidc/github`);
    const authorize = new URL(started.location!);
    authorize.searchParams.set('login', gone.login);
    const approved = await browser.request(authorize.href);
    github.users.delete(gone.login);
    const back = await browser.request(approved.location!);
    expect(new URL(back.location!).hash).toBe('#error=provider_error');
    expectProblem(await t.http.post('/auth/oidc/exchange', { code: 'x' }), 401, 'invalid_grant');
  });
});

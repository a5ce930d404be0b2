import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { extname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startOidcTestProvider, type OidcTestProvider } from '../federation/oidc-test-provider';
import { freePort, LatchProcess } from '../support/latch-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The demo app's "Sign in with <provider>" in Debian's Chromium: the built service, the demo
// as `npm run build:web` makes it (examples/web/dist) on localhost, and panva's oidc-provider
// on 127.0.0.1 (another site) with its own development login and consent pages.

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'examples', 'web', 'dist');
const ARTIFACTS = join(ROOT, 'artifacts', 'browser');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

let db: TestDatabase;
let latch: LatchProcess;
let op: OidcTestProvider;
let browser: Browser;
let demo: Server;
let demoUrl: string;
let serviceUrl: string;

beforeAll(async () => {
  const port = await freePort();
  serviceUrl = `http://localhost:${port}`;
  op = await startOidcTestProvider({
    redirectUris: [`${serviceUrl}/auth/oidc/company/callback`],
  });
  demo = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/config.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(`window.LATCH_URL = ${JSON.stringify(serviceUrl)};`);
      return;
    }
    const file = join(DIST, path === '/' ? 'index.html' : path.replace(/\.\./g, ''));
    if (!extname(file) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  demo.listen(0, '127.0.0.1');
  await once(demo, 'listening');
  demoUrl = `http://localhost:${(demo.address() as { port: number }).port}`;
  db = await createTestDatabase();
  latch = await LatchProcess.spawn({
    PORT: String(port),
    DATA_DIR: db.dataDir,
    DATABASE_URL: db.url,
    AUTH_LOGIN_RATE_LIMIT: '0',
    AUTH_REFRESH_TRANSPORT: 'cookie',
    CORS_ORIGINS: demoUrl,
    APP_URL: demoUrl,
    PUBLIC_URL: serviceUrl,
    AUTH_OIDC_PROVIDERS: 'company',
    AUTH_OIDC_COMPANY_ISSUER: op.issuer,
    AUTH_OIDC_COMPANY_CLIENT_ID: op.clientId,
    AUTH_OIDC_COMPANY_CLIENT_SECRET: op.clientSecret,
    AUTH_OIDC_COMPANY_NAME: 'Company SSO',
  });
  await latch.waitHealthy();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  demo?.close();
  await latch?.stop();
  await op?.close();
  await db?.drop();
});

it('signs in through the provider’s own login and consent pages and comes back signed in', async () => {
  op.accounts.set('ada', {
    sub: 'ada',
    email: `ada-${Date.now()}@example.com`,
    email_verified: true,
    name: 'Ada Lovelace',
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demoUrl);
  await page.waitForSelector('#status[data-state="signed-out"]');
  expect(await page.textContent('#signin-company')).toBe('Sign in with Company SSO');
  await page.click('#signin-company');

  // oidc-provider's development login page, then its consent page, on 127.0.0.1.
  await page.waitForURL((url) => url.href.startsWith(op.issuer));
  await page.fill('input[name="login"]', 'ada');
  await page.fill('input[name="password"]', 'any password');
  await page.click('button[type="submit"]');
  await page.waitForSelector('button:has-text("Continue")');
  await page.click('button:has-text("Continue")');

  // Back at the demo: the fragment's code exchanged, the fragment gone, signed in with fed.
  await page.waitForSelector('#status[data-state="signed-in"]');
  expect(new URL(page.url()).hash).toBe('');
  await page.waitForSelector('#me[data-amr="fed"]');
  await page.waitForSelector('#identities li[data-provider="company"]');
  expect(await page.textContent('#identities')).toContain('Company SSO');
  await page.screenshot({ path: join(ARTIFACTS, 'oidc-sign-in.png'), fullPage: true });

  // The session survives a reload (the refresh cookie, as after a password login).
  await page.reload();
  await page.waitForSelector('#status[data-state="signed-in"]');
  await context.close();
});

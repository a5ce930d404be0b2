import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { once } from 'node:events';
import { extname, join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { LatchProcess } from '../support/latch-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Passkeys in the demo (examples/web/dist, as `npm run build:web` makes it), in Debian's
// Chromium with a CDP virtual authenticator (CTAP2, internal, resident keys, user verified):
// register in settings, sign out, sign in with the button and through the e-mail field's
// autofill, sign up with a passkey, and answer a TOTP account's second step with one. The
// demo on localhost:<plain>, the service on localhost:<service>; rpId localhost.

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
let browser: Browser;
let plain: Server;
let plainUrl: string;
let serviceUrl: string;
let users = 0;

beforeAll(async () => {
  plain = createServer((request, response) => {
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
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  const address = plain.address();
  plainUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  db = await createTestDatabase();
  latch = await LatchProcess.spawn({
    DATA_DIR: db.dataDir,
    DATABASE_URL: db.url,
    AUTH_LOGIN_RATE_LIMIT: '0',
    AUTH_REFRESH_TRANSPORT: 'cookie',
    CORS_ORIGINS: plainUrl,
    APP_URL: plainUrl,
  });
  await latch.waitHealthy();
  serviceUrl = `http://localhost:${latch.port}`;
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
  plain?.close();
  await latch?.stop();
  await db?.drop();
});

const waitState = (page: Page, value: string, timeout = 10_000) =>
  page.waitForSelector(`#status[data-state="${value}"]`, { timeout });

/**
 * A page of the demo in a new context with its own virtual authenticator. The virtual
 * authenticator answers a conditional (autofill) request at once, so the cases of the button
 * and the second step run as a browser without passkey autofill would.
 */
async function openWithAuthenticator({ autofill = false } = {}): Promise<{
  context: BrowserContext;
  page: Page;
}> {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (!autofill) {
    await page.addInitScript(() => {
      const credential = globalThis as unknown as {
        PublicKeyCredential: { isConditionalMediationAvailable: () => Promise<boolean> };
      };
      credential.PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
    });
  }
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
  await page.goto(plainUrl);
  return { context, page };
}

const nextEmail = () => `passkey${++users}-${Date.now()}@example.com`;

async function registerWithPassword(page: Page) {
  const email = nextEmail();
  const password = 'correct horse battery';
  await waitState(page, 'signed-out');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('#register');
  await waitState(page, 'signed-in');
  return { email, password };
}

async function addPasskey(page: Page) {
  await page.click('#passkey-add');
  await page.waitForSelector('#passkeys li');
}

async function amr(page: Page): Promise<string | null> {
  await page.click('#whoami');
  await page.waitForSelector('#me[data-amr]');
  return page.locator('#me').getAttribute('data-amr');
}

it('registers a passkey in settings, signs out, and signs in with the button', async () => {
  const { context, page } = await openWithAuthenticator();
  await registerWithPassword(page);
  await addPasskey(page);
  expect(await page.locator('#passkeys li').count()).toBe(1);
  await page.locator('#passkeys-section').screenshot({ path: join(ARTIFACTS, 'passkeys.png') });
  await page.click('#logout');
  await waitState(page, 'signed-out');
  await page.click('#passkey-login');
  await waitState(page, 'signed-in');
  expect(await amr(page)).toBe('hwk mfa');
  await context.close();
}, 60_000);

it('signs in through the autofill of the e-mail field', async () => {
  const { context, page } = await openWithAuthenticator({ autofill: true });
  await registerWithPassword(page);
  await addPasskey(page);
  const logins: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/auth/passkeys/login')) logins.push(request.method());
  });
  expect(await page.locator('input[name=email]').getAttribute('autocomplete')).toBe(
    'username webauthn',
  );
  // Signed out, the page waits in a conditional get behind the e-mail field; the virtual
  // authenticator picks its passkey at once, without a click on the button.
  const answered = page.waitForResponse((response) =>
    response.url().endsWith('/auth/passkeys/login'),
  );
  await page.click('#logout');
  expect((await answered).status()).toBe(200);
  await waitState(page, 'signed-in');
  expect(logins).toEqual(['POST']);
  expect(await amr(page)).toBe('hwk mfa');
  await context.close();
}, 60_000);

it('signs up with a passkey, no password', async () => {
  const { context, page } = await openWithAuthenticator();
  await waitState(page, 'signed-out');
  await page.fill('input[name=email]', nextEmail());
  await page.click('#passkey-signup');
  await waitState(page, 'signed-in');
  expect(await amr(page)).toBe('hwk mfa');
  await page.waitForSelector('#passkeys li');
  await context.close();
}, 60_000);

it("answers a TOTP account's second step with the passkey", async () => {
  const { context, page } = await openWithAuthenticator();
  const { email, password } = await registerWithPassword(page);
  await addPasskey(page);
  await page.click('#mfa-setup');
  await page.waitForSelector('#mfa-secret:not(:empty)');
  const secret = (await page.locator('#mfa-secret').textContent())!;
  const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
  await page.fill('#mfa-confirm-form input[name=code]', code);
  await page.click('#mfa-confirm');
  await page.waitForSelector('#mfa-status[data-enabled="true"]');
  await page.click('#logout');
  await waitState(page, 'signed-out');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('#login');
  await waitState(page, 'mfa-required');
  await page.click('#mfa-passkey');
  await waitState(page, 'signed-in');
  expect(await amr(page)).toBe('pwd hwk mfa');
  await context.close();
}, 60_000);

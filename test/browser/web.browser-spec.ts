import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer, Server } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { LatchProcess } from '../support/latch-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The demo app (examples/web) in Debian's Chromium, against the built service with 4 s access
// tokens. Two builds of it: the one `npm run build:web` makes (examples/web/dist, as deployed,
// on localhost:<plain>, where the mailed links lead), and one made here with
// `--mode browser-test`, the only build that puts its client on window (window.latch) for the
// cases that call the API through it (on localhost:<app>). Service on localhost:<service> (same
// site, so the SameSite=Strict cookie flows), a foreign page on 127.0.0.1:<foreign>. Mails are
// .eml files under DATA_DIR/mail (no SMTP_URL).

const TTL = 4;
const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'examples', 'web', 'dist');
const TEST_DIST = mkdtempSync(join(tmpdir(), 'latch-web-browser-test-'));
const ARTIFACTS = join(ROOT, 'artifacts', 'browser');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
};

let db: TestDatabase;
let latch: LatchProcess;
let browser: Browser;
let app: Server;
let plain: Server;
let foreign: Server;
let appUrl: string;
let plainUrl: string;
let serviceUrl: string;
let foreignUrl: string;
let users = 0;
let continuous: ReturnType<typeof continuousCalls>;

/** Listens on a port of the system's choosing (no race with other port pickers); its port. */
async function listen(server: Server, host: string): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** A static host for a build of the demo, with clean URLs (/verify-email is verify-email.html). */
function demoServer(dist: string) {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/config.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(`window.LATCH_URL = ${JSON.stringify(serviceUrl)};`);
      return;
    }
    const name = path === '/' ? 'index.html' : path.replace(/\.\./g, '');
    const file = [join(dist, name), join(dist, `${name}.html`)].find(
      (candidate) => extname(candidate) && existsSync(candidate),
    );
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
}

beforeAll(async () => {
  execFileSync(process.execPath, [
    join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    join(ROOT, 'examples', 'web'),
    '--mode',
    'browser-test',
    '--outDir',
    TEST_DIST,
    '--emptyOutDir',
    '--logLevel',
    'warn',
  ]);
  app = demoServer(TEST_DIST);
  appUrl = `http://localhost:${await listen(app, '127.0.0.1')}`;
  plain = demoServer(DIST);
  plainUrl = `http://localhost:${await listen(plain, '127.0.0.1')}`;
  foreign = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>elsewhere</title><p>another site</p>');
  });
  foreignUrl = `http://127.0.0.1:${await listen(foreign, '127.0.0.1')}`;
  db = await createTestDatabase();
  latch = await LatchProcess.spawn({
    DATA_DIR: db.dataDir,
    DATABASE_URL: db.url,
    AUTH_LOGIN_RATE_LIMIT: '0',
    AUTH_ACCESS_TTL: String(TTL),
    AUTH_REFRESH_TRANSPORT: 'cookie',
    CORS_ORIGINS: `${appUrl},${plainUrl}`,
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
  continuous = continuousCalls();
  continuous.catch(() => undefined); // awaited by its own case below
}, 120_000);

afterAll(async () => {
  await browser?.close();
  app?.close();
  plain?.close();
  foreign?.close();
  await latch?.stop();
  await db?.drop();
  rmSync(TEST_DIST, { recursive: true, force: true });
});

const state = (page: Page) => page.locator('#status').getAttribute('data-state');
const waitState = (page: Page, value: string, timeout = 10_000) =>
  page.waitForSelector(`#status[data-state="${value}"]`, { timeout });

async function openApp(context: BrowserContext, url = appUrl): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** Registers a new user through the demo's form; resolves when the page shows signed-in. */
async function register(page: Page): Promise<{ email: string; password: string }> {
  const email = `user${++users}-${Date.now()}@example.com`;
  const password = 'correct horse battery';
  await waitState(page, 'signed-out');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('#register');
  await waitState(page, 'signed-in');
  return { email, password };
}

/** An API call through the page's client (window.latch): status, or the error's text. */
const call = (page: Page, path = '/auth/me') =>
  page.evaluate(async (p) => {
    try {
      return (await window.latch.fetch(p)).status;
    } catch (error) {
      return String(error);
    }
  }, path);

/** POST /auth/refresh requests (not preflights) and their answers, across a context. */
function watchRefreshes(context: BrowserContext) {
  const log = { requests: 0, statuses: [] as number[], codes: [] as string[] };
  context.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/auth/refresh')) log.requests++;
  });
  context.on('response', (response) => {
    const request = response.request();
    if (request.method() !== 'POST' || !request.url().endsWith('/auth/refresh')) return;
    log.statuses.push(response.status());
    if (response.status() >= 400) {
      void response
        .json()
        .then((body: { code: string }) => log.codes.push(body.code))
        .catch(() => undefined);
    }
  });
  return log;
}

// Started in beforeAll and checked last, so its 60 s overlap the other cases (and their load)
// instead of adding to the suite's time.
async function continuousCalls() {
  const context = await browser.newContext();
  const page = await openApp(context);
  await register(page);
  const refreshes = watchRefreshes(context);
  const result = await page.evaluate(async () => {
    const failures: string[] = [];
    let ok = 0;
    const end = Date.now() + 60_000;
    for (let i = 0; Date.now() < end; i++) {
      try {
        const response = await window.latch.fetch(i % 2 ? '/auth/me' : '/notes');
        if (response.ok) ok++;
        else failures.push(String(response.status));
      } catch (error) {
        failures.push(String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { ok, failures };
  });
  const error = await page.textContent('#error');
  const finalState = await state(page);
  await context.close();
  return { ...result, refreshes, error, finalState };
}

it('reload keeps the user signed in from the HttpOnly cookie alone; no token in web storage', async () => {
  const context = await browser.newContext();
  const page = await openApp(context);
  await register(page);
  await page.click('#whoami');
  await page.waitForFunction(() => document.querySelector('#me')?.textContent?.includes('@'));
  await page.screenshot({ path: join(ARTIFACTS, 'demo-signed-in.png'), fullPage: true });
  const docs = join(ROOT, 'docs', 'browser-demo.png');
  if (!existsSync(docs)) await page.screenshot({ path: docs, fullPage: true });

  await page.reload();
  await waitState(page, 'signed-in');
  expect(await call(page)).toBe(200);

  const cookies = await context.cookies(serviceUrl + '/auth');
  const refresh = cookies.find((cookie) => cookie.name === 'refresh_token');
  expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' });
  const seen = await page.evaluate(async () => ({
    cookie: document.cookie,
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
    databases: (await indexedDB.databases()).length,
  }));
  expect(seen).toEqual({ cookie: '', local: 0, session: 0, databases: 0 });
  const html = await page.content();
  expect(html).not.toContain(refresh!.value);
  await context.close();
});

it('five tabs whose tokens expire together: no sign-out, no reuse, <= 2 refreshes per period', async () => {
  const context = await browser.newContext();
  const first = await openApp(context);
  await register(first);
  const tabs = [first];
  for (let i = 0; i < 4; i++) tabs.push(await openApp(context));
  await Promise.all(tabs.map((tab) => waitState(tab, 'signed-in')));

  const refreshes = watchRefreshes(context);
  const periods = 6;
  const started = Date.now();
  const failures: unknown[] = [];
  while (Date.now() - started < periods * TTL * 1000) {
    const statuses = await Promise.all(tabs.map((tab) => call(tab)));
    failures.push(...statuses.filter((status) => status !== 200));
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const perPeriod = refreshes.requests / periods;
  console.log(
    `five tabs: ${refreshes.requests} refreshes in ${periods} periods of ${TTL} s (${perPeriod.toFixed(2)} per period)`,
  );
  expect(failures).toEqual([]);
  expect(refreshes.codes).not.toContain('refresh_token_reused');
  expect(refreshes.statuses.every((status) => status === 200)).toBe(true);
  for (const tab of tabs) expect(await state(tab)).toBe('signed-in');
  expect(perPeriod).toBeLessThanOrEqual(2);
  await context.close();
}, 120_000);

it('sign-out in tab A shows in tab B within one second, and B is refused', async () => {
  const context = await browser.newContext();
  const a = await openApp(context);
  await register(a);
  const b = await openApp(context);
  await waitState(b, 'signed-in');
  const clicked = Date.now();
  await a.click('#logout');
  await waitState(b, 'signed-out', 1_000);
  console.log(`tab B signed out ${Date.now() - clicked} ms after the click in tab A`);
  expect(await call(b)).toBe(401);
  await b.reload();
  await waitState(b, 'signed-out');
  await context.close();
});

it('a session ended from another device shows signed-out at the next call', async () => {
  const context = await browser.newContext();
  const page = await openApp(context);
  const user = await register(page);
  const other = await latch.http.post('/auth/login', user);
  const token = other.body.accessToken as string;
  const sessions = await latch.http.get('/auth/sessions', { token });
  const mine = (sessions.body as { id: string; current: boolean }[]).find((s) => !s.current)!;
  const ended = await latch.http.delete(`/auth/sessions/${mine.id}`, { token });
  expect(ended.status).toBe(204);
  await page.click('#whoami');
  await waitState(page, 'signed-out', 5_000);
  expect(await page.textContent('#status')).toContain('session_revoked');
  await context.close();
});

it('offline during a refresh, then online: still signed in, calls work again', async () => {
  const context = await browser.newContext();
  const page = await openApp(context);
  await register(page);
  const refreshes = watchRefreshes(context);
  await context.setOffline(true);
  await page.waitForTimeout((TTL + 1) * 1000); // the refresh ahead of expiry fails, then expiry
  expect(refreshes.requests).toBeGreaterThan(0);
  expect(await state(page)).toBe('signed-in');
  await context.setOffline(false);
  let status: number | string = 0;
  for (const deadline = Date.now() + 10_000; status !== 200 && Date.now() < deadline;) {
    status = await call(page);
    if (status !== 200) await page.waitForTimeout(250);
  }
  expect(status).toBe(200);
  expect(await state(page)).toBe('signed-in');
  await context.close();
}, 60_000);

it('laptop sleep: timers frozen past expiry, then resumed: the first call refreshes and succeeds', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.clock.install();
  await page.goto(appUrl);
  await register(page);
  const refreshes = watchRefreshes(context);
  await page.clock.pauseAt(Date.now() + 100); // no timer runs from here
  await page.waitForTimeout((TTL + 1) * 1000);
  await page.clock.setSystemTime(Date.now() + 60_000); // the clock moved, timers did not
  expect(refreshes.requests).toBe(0);
  const order: string[] = [];
  context.on('request', (request) => {
    if (request.method() !== 'OPTIONS') order.push(new URL(request.url()).pathname);
  });
  expect(await call(page)).toBe(200);
  expect(order.slice(0, 2)).toEqual(['/auth/refresh', '/auth/me']);
  await page.clock.resume();
  expect(await state(page)).toBe('signed-in');
  await context.close();
}, 60_000);

it('a page on another site cannot get tokens with the cookie', async () => {
  const context = await browser.newContext();
  const page = await openApp(context);
  await register(page);
  const evil = await context.newPage();
  const sentCookies: string[] = [];
  evil.on('request', (request) => {
    void request.allHeaders().then((headers) => {
      if (headers.cookie) sentCookies.push(headers.cookie);
    });
  });
  await evil.goto(foreignUrl);
  const attempts = await evil.evaluate(async (service) => {
    const results: string[] = [];
    for (const init of [
      {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' },
        body: '{}',
      },
      { method: 'POST', credentials: 'include', body: '{}' },
      { method: 'POST', credentials: 'include', mode: 'no-cors', body: '{}' },
    ] as RequestInit[]) {
      try {
        const response = await fetch(`${service}/auth/refresh`, init);
        results.push(`${response.type} ${response.status} ${await response.text()}`);
      } catch (error) {
        results.push(String(error));
      }
    }
    return results;
  }, serviceUrl);
  for (const result of attempts) expect(result).not.toMatch(/accessToken|eyJ/);
  expect(attempts[2]).toMatch(/^(opaque 0 $|TypeError)/); // nothing readable
  expect(sentCookies.join()).not.toContain('refresh_token');
  // the real app was not disturbed (no rotation, no reuse)
  expect(await call(page)).toBe(200);
  await page.reload();
  await waitState(page, 'signed-in');
  await context.close();
});

// The second factor through the demo's pages: enrolment (QR code, key, confirm, recovery
// codes), then the second step of a sign-in. The server accepts a code once per account and
// afterwards only a later 30 s step, so a sign-in right after enrolment uses the next step's
// code (accepted with one step of drift).

/** Turns TOTP on through the demo's page; returns the authenticator and the recovery codes. */
async function enrolTotp(page: Page) {
  await page.waitForSelector('#mfa-status[data-enabled="false"]');
  await page.click('#mfa-setup');
  await page.waitForSelector('#mfa-enrol:not([hidden]) #mfa-qr svg');
  const secret = (await page.textContent('#mfa-secret'))!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits in base32
  const totp = new TOTP({ secret: Secret.fromBase32(secret) });
  await page.screenshot({ path: join(ARTIFACTS, 'demo-mfa-enrol.png'), fullPage: true });
  await page.fill('#mfa-confirm-form input[name=code]', totp.generate({ timestamp: Date.now() }));
  await page.click('#mfa-confirm');
  await page.waitForSelector('#mfa-status[data-enabled="true"]');
  const codes = await page.locator('#recovery-codes li').allTextContents();
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(/^[a-z2-7]+(-[a-z2-7]+)+$/); // grouped base32
  expect(await page.isHidden('#mfa-enrol')).toBe(true);
  expect(await page.textContent('#mfa-secret')).toBe('');
  // the page's session was refreshed at once: its token now says the second factor was used
  await page.waitForSelector('#me[data-amr~="mfa"]');
  return { totp, codes };
}

/** Signs out, then signs in with the password: the second-step form appears. */
async function signInToSecondStep(page: Page, user: { email: string; password: string }) {
  await page.click('#logout');
  await waitState(page, 'signed-out');
  await page.fill('input[name=email]', user.email);
  await page.fill('input[name=password]', user.password);
  await page.click('#login');
  await waitState(page, 'mfa-required');
  expect(await page.isVisible('#mfa-step')).toBe(true);
  expect(await page.isHidden('#signed-in')).toBe(true);
}

/** The demo's error line, once it shows one. */
async function shownError(page: Page): Promise<string> {
  await page.waitForFunction(() => !!document.querySelector('#error')?.textContent);
  return (await page.textContent('#error')) ?? '';
}

/** The amr of the page's access token, from GET /auth/me through its client. */
const amr = (page: Page) =>
  page.evaluate(async () => {
    const response = await window.latch.fetch('/auth/me');
    return ((await response.json()) as { amr?: string[] }).amr;
  });

it('TOTP: enrol on the demo page, then sign in with a code at the second step', async () => {
  const context = await browser.newContext();
  const page = await openApp(context);
  const user = await register(page);
  expect(await amr(page)).toEqual(['pwd']);
  const { totp } = await enrolTotp(page);
  expect(await amr(page)).toEqual(['pwd', 'otp', 'mfa']);

  const mfaTokens: string[] = [];
  context.on('response', (response) => {
    if (!response.url().endsWith('/auth/login')) return;
    void response
      .json()
      .then((body: { mfaToken?: string }) => body.mfaToken && mfaTokens.push(body.mfaToken))
      .catch(() => undefined);
  });
  await signInToSecondStep(page, user);

  // a wrong code is refused and the same step can be retried
  const near = [-30_000, 0, 30_000].map((d) => totp.generate({ timestamp: Date.now() + d }));
  await page.fill('#mfa-code', near.includes('000000') ? '111111' : '000000');
  await page.click('#mfa-verify');
  expect(await shownError(page)).toContain('invalid_mfa_code');
  expect(await state(page)).toBe('mfa-required');

  await page.screenshot({ path: join(ARTIFACTS, 'demo-mfa-step.png'), fullPage: true });

  // the pending step's token is nowhere but in the client's memory
  expect(mfaTokens).toHaveLength(1);
  const seen = await page.evaluate(async () => ({
    cookie: document.cookie,
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
    databases: (await indexedDB.databases()).length,
  }));
  expect(seen).toEqual({ cookie: '', local: 0, session: 0, databases: 0 });
  expect(await page.content()).not.toContain(mfaTokens[0]);

  // the code that confirmed enrolment is spent: the next step's code, with one step of drift
  await page.fill('#mfa-code', totp.generate({ timestamp: Date.now() + 30_000 }));
  await page.click('#mfa-verify');
  await waitState(page, 'signed-in');
  await page.waitForSelector('#me[data-amr~="mfa"]');
  expect(await amr(page)).toEqual(['pwd', 'otp', 'mfa']);
  expect(await page.textContent('#error')).toBe('');
  await page.reload(); // the session, with its amr, comes back from the cookie
  await waitState(page, 'signed-in');
  expect(await amr(page)).toEqual(['pwd', 'otp', 'mfa']);
  await context.close();
}, 60_000);

it('TOTP: sign in with a recovery code, get a new set, and turn the second factor off', async () => {
  const context = await browser.newContext();
  const page = await openApp(context);
  const user = await register(page);
  const { codes } = await enrolTotp(page);

  await signInToSecondStep(page, user);
  await page.fill('#mfa-recovery-code', codes[0].toUpperCase()); // case does not matter
  await page.click('#mfa-recovery-verify');
  await waitState(page, 'signed-in');
  expect(await amr(page)).toEqual(['pwd', 'mfa']);
  await page.waitForSelector('#mfa-status:has-text("9 recovery codes left")');

  // a used recovery code does not work twice
  await signInToSecondStep(page, user);
  await page.fill('#mfa-recovery-code', codes[0]);
  await page.click('#mfa-recovery-verify');
  expect(await shownError(page)).toContain('invalid_mfa_code');
  await page.fill('#mfa-recovery-code', codes[1]);
  await page.click('#mfa-recovery-verify');
  await waitState(page, 'signed-in');

  // a new set (the token has mfa), shown once; the old set stops working
  await page.waitForSelector('#mfa-status[data-enabled="true"]');
  await page.click('#mfa-new-codes');
  await page.waitForFunction((old) => {
    const items = [...document.querySelectorAll('#recovery-codes li')];
    return items.length === 10 && !items.some((item) => item.textContent === old);
  }, codes[2]);
  const fresh = await page.locator('#recovery-codes li').allTextContents();
  await page.waitForSelector('#mfa-status:has-text("10 recovery codes left")');

  await page.fill('#mfa-disable-form input[name=code]', codes[2]); // from the old set
  await page.click('#mfa-disable');
  expect(await shownError(page)).toContain('invalid_mfa_code');
  await page.fill('#mfa-disable-form input[name=code]', fresh[0]);
  await page.click('#mfa-disable');
  await page.waitForSelector('#mfa-status[data-enabled="false"]');
  expect(await page.isVisible('#mfa-setup')).toBe(true);

  // off: the password alone signs in again
  await page.click('#logout');
  await waitState(page, 'signed-out');
  await page.fill('input[name=email]', user.email);
  await page.fill('input[name=password]', user.password);
  await page.click('#login');
  await waitState(page, 'signed-in');
  expect(await amr(page)).toEqual(['pwd']);
  await context.close();
}, 90_000);

// The normal build (examples/web/dist, served on plainUrl) and the pages mailed links open.
// Each link is taken from the mail the service wrote, followed in the browser, and its effect
// checked at the API.

const parsedMails = new Map<string, ParsedMail>();

/** The link to `path` in a mail to `address` (DATA_DIR/mail/*.eml), once the mail is there. */
async function mailedLink(address: string, path: string, timeoutMs = 15_000): Promise<string> {
  const dir = join(db.dataDir, 'mail');
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.eml')) : [];
    for (const name of names) {
      if (!parsedMails.has(name)) {
        parsedMails.set(name, await simpleParser(readFileSync(join(dir, name))));
      }
      const mail = parsedMails.get(name)!;
      const to = [mail.to].flat().flatMap((field) => field?.value ?? []);
      if (!to.some((a) => a.address?.toLowerCase() === address.toLowerCase())) continue;
      const link = (mail.text ?? '')
        .split('\n')
        .map((line) => line.trim())
        .find((line) => line.startsWith(`${plainUrl}${path}#token=`));
      if (link) return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail to ${address} with a ${path} link within ${timeoutMs} ms`);
}

/** Submits the link page's form; resolves with the result line's state, code and text. */
async function submitLink(page: Page) {
  await page.click('#link-submit');
  await page.waitForSelector('#result[data-state="done"], #result[data-state="failed"]');
  return page.evaluate(() => {
    const result = document.querySelector('#result') as unknown as {
      dataset: Record<string, string>;
      textContent: string;
    };
    return { state: result.dataset.state, code: result.dataset.code, text: result.textContent };
  });
}

const newUser = () => ({
  email: `link${++users}-${Date.now()}@example.com`,
  password: 'correct horse battery',
});

it('the normal build puts no client on window; the test build does', async () => {
  const context = await browser.newContext();
  const page = await openApp(context, plainUrl);
  await register(page);
  expect(await page.evaluate(() => 'latch' in window)).toBe(false);
  for (const name of readdirSync(join(DIST, 'assets')).filter((n) => n.endsWith('.js'))) {
    expect(readFileSync(join(DIST, 'assets', name), 'utf8')).not.toMatch(/\.latch\s*=/);
  }
  const tested = await openApp(context); // the same session, in the browser-test build
  await waitState(tested, 'signed-in');
  expect(await call(tested)).toBe(200);
  await context.close();
});

it('/verify-email: the mailed link verifies the address once; a used or bare link shows why', async () => {
  const context = await browser.newContext();
  const page = await openApp(context, plainUrl);
  const user = await register(page);
  const link = await mailedLink(user.email, '/verify-email');
  const sent: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST')
      sent.push(`${new URL(request.url()).pathname} ${request.postData()}`);
  });
  await page.goto(link);
  expect(page.url()).toBe(`${plainUrl}/verify-email`); // the token left the address bar
  expect(await submitLink(page)).toMatchObject({ state: 'done', code: '' });
  expect(await page.isHidden('#link-form')).toBe(true);
  const token = new URL(link).hash.slice('#token='.length);
  expect(sent).toEqual([`/auth/verify-email ${JSON.stringify({ token })}`]);
  const login = await latch.http.post('/auth/login', user);
  const me = await latch.http.get('/users/me', { token: login.body.accessToken as string });
  expect(me.body).toMatchObject({ email: user.email, emailVerified: true });

  await page.goto('about:blank'); // else only the fragment would change: no new load
  await page.goto(link); // a second use: the service's problem, shown as is
  const again = await submitLink(page);
  expect(again).toMatchObject({ state: 'failed', code: 'invalid_link' });
  expect(again.text.length).toBeGreaterThan(0);
  expect(await page.isVisible('#link-form')).toBe(true);

  await page.goto(`${plainUrl}/verify-email`);
  expect(await page.getAttribute('#result', 'data-code')).toBe('no_token');
  expect(await page.isDisabled('#link-submit')).toBe(true);
  await context.close();
});

it('/reset-password: the mailed link sets the new password and signs out everywhere', async () => {
  const context = await browser.newContext();
  const page = await openApp(context, plainUrl);
  const user = await register(page);
  expect((await latch.http.post('/auth/password/forgot', { email: user.email })).status).toBe(202);
  const link = await mailedLink(user.email, '/reset-password');

  const reset = await context.newPage();
  await reset.goto(link);
  expect(reset.url()).toBe(`${plainUrl}/reset-password`);
  const newPassword = 'a new and longer passphrase';
  await reset.fill('input[name=newPassword]', newPassword);
  expect(await submitLink(reset)).toMatchObject({ state: 'done' });
  await reset.screenshot({ path: join(ARTIFACTS, 'demo-reset-password.png'), fullPage: true });
  expect((await latch.http.post('/auth/login', user)).status).toBe(401);
  expect((await latch.http.post('/auth/login', { ...user, password: newPassword })).status).toBe(
    200,
  );
  await page.click('#whoami'); // the demo's own session was revoked by the reset
  await waitState(page, 'signed-out', 5_000);

  await reset.goto('about:blank'); // else only the fragment would change: no new load
  await reset.goto(link);
  await reset.fill('input[name=newPassword]', 'yet another passphrase');
  expect(await submitLink(reset)).toMatchObject({ state: 'failed', code: 'invalid_link' });
  expect((await latch.http.post('/auth/login', { ...user, password: newPassword })).status).toBe(
    200,
  );
  await context.close();
});

it('/confirm-email: the mailed link moves the account to the new address', async () => {
  const user = newUser();
  expect((await latch.http.post('/auth/register', user)).status).toBe(201);
  const login = await latch.http.post('/auth/login', user);
  const newEmail = `moved-${user.email}`;
  const asked = await latch.http.post(
    '/auth/email',
    { newEmail, currentPassword: user.password },
    { token: login.body.accessToken as string },
  );
  expect(asked.status).toBe(202);
  const link = await mailedLink(newEmail, '/confirm-email');

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  expect(page.url()).toBe(`${plainUrl}/confirm-email`);
  expect(await submitLink(page)).toMatchObject({ state: 'done' });
  expect((await latch.http.post('/auth/login', user)).status).toBe(401);
  const moved = await latch.http.post('/auth/login', { email: newEmail, password: user.password });
  expect(moved.status).toBe(200);
  const me = await latch.http.get('/users/me', { token: moved.body.accessToken as string });
  expect(me.body).toMatchObject({ email: newEmail, emailVerified: true });

  await page.goto('about:blank'); // else only the fragment would change: no new load
  await page.goto(link);
  expect(await submitLink(page)).toMatchObject({ state: 'failed', code: 'invalid_link' });
  await context.close();
});

it('60 s of continuous API calls across many expiries: zero failures', async () => {
  const result = await continuous;
  console.log(
    `continuous: ${result.ok} calls, ${result.refreshes.requests} refreshes in 60 s of ${TTL} s tokens`,
  );
  expect(result.failures).toEqual([]);
  expect(result.ok).toBeGreaterThan(200);
  expect(result.refreshes.requests).toBeGreaterThanOrEqual(60 / TTL - 1);
  expect(result.refreshes.statuses.every((status) => status === 200)).toBe(true);
  expect(result.error).toBe('');
  expect(result.finalState).toBe('signed-in');
}, 120_000);

import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createResourceService, type ResourceServiceOptions } from '../src/resource-service';
import { TcpProxy } from './tcp-proxy';

// The resource service as a user runs it, with @latch/resource-server from the tarball, against
// a real Latch process (the repository's dist/src/main.js, LATCH_REPO) on the PostgreSQL of
// DATABASE_URL or, unset, on its embedded database. The services reach Latch's feed through a
// TCP proxy the test cuts.
const repo = process.env.LATCH_REPO ?? join(__dirname, '..', '..', '..', '..');
const databaseUrl = process.env.DATABASE_URL || undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'latch-resource-service-'));
const FEED_TOKEN = randomBytes(32).toString('base64url');
const AUDIENCE = 'orders-api';
const PASSWORD = 'correct horse battery staple';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const latchEnv = (port: number): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  PORT: String(port),
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  JWT_AUDIENCE: AUDIENCE,
  AUTH_FEED_TOKEN: FEED_TOKEN,
  AUTH_LOGIN_RATE_LIMIT: '0',
});

interface Answer {
  status: number;
  body: any;
  type: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: (response.headers.get('content-type') ?? '').split(';')[0],
    body: text ? JSON.parse(text) : undefined,
  };
}

const kidOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;

/** Polls until `check` holds; returns the ms it took (fails after timeoutMs). */
async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
  return Date.now() - started;
}

describe(`resource service against Latch (${databaseUrl ? 'PostgreSQL' : 'embedded database'})`, () => {
  let latch: ChildProcess;
  let latchUrl: string;
  let output = '';
  let proxy: TcpProxy;
  const services: Record<string, { app: INestApplication; url: string }> = {};
  let email: string;

  async function startService(
    name: string,
    options: Partial<ResourceServiceOptions>,
  ): Promise<void> {
    const app = await createResourceService({
      platform: 'express',
      issuer: 'latch',
      audience: AUDIENCE,
      jwksUrl: `${latchUrl}/.well-known/jwks.json`,
      revocationFeed: { url: `http://127.0.0.1:${proxy.port}/auth/revocations`, token: FEED_TOKEN },
      onFeedLoss: 'reject',
      ...options,
    });
    await app.listen(0, '127.0.0.1');
    services[name] = { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  }

  const orders = (name: string, token: string) =>
    call(services[name].url, 'GET', '/orders/mine', token);

  async function login(): Promise<{
    accessToken: string;
    refreshToken: string;
    sessionId: string;
  }> {
    const answer = await call(latchUrl, 'POST', '/auth/login', undefined, {
      email,
      password: PASSWORD,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  }

  before(async () => {
    const port = await freePort();
    latchUrl = `http://127.0.0.1:${port}`;
    latch = spawn(process.execPath, [join(repo, 'dist', 'src', 'main.js')], {
      env: latchEnv(port),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    latch.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    latch.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(
      async () => (await fetch(`${latchUrl}/health`).catch(() => undefined))?.status === 200,
      60_000,
      `Latch healthy (${output})`,
    );
    proxy = await new TcpProxy(port).start();
    // Express with onFeedLoss reject, Fastify with accept, and one of another audience.
    await startService('express', { platform: 'express', onFeedLoss: 'reject' });
    await startService('fastify', { platform: 'fastify', onFeedLoss: 'accept' });
    await startService('billing', { platform: 'express', audience: 'billing-api' });
    email = `rs-${randomBytes(4).toString('hex')}@example.com`;
    const registered = await call(latchUrl, 'POST', '/auth/register', undefined, {
      email,
      password: PASSWORD,
    });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
  });

  after(async () => {
    for (const { app } of Object.values(services)) await app.close();
    await proxy?.cut();
    latch?.kill('SIGTERM');
    if (latch && latch.exitCode === null) await once(latch, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a token works on both hosts (Express and Fastify), the caller as @CurrentUser()', async () => {
    const session = await login();
    for (const name of ['express', 'fastify']) {
      const answer = await orders(name, session.accessToken);
      assert.equal(answer.status, 200, `${name}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.sessionId, session.sessionId);
    }
    const admin = await call(services.express.url, 'GET', '/orders', session.accessToken);
    assert.equal(admin.status, 403);
    assert.equal(admin.type, 'application/problem+json');
    assert.equal(admin.body.code, 'forbidden');
  });

  it('after logout the token is refused (session_revoked) within 1 s on both', async () => {
    const session = await login();
    for (const name of ['express', 'fastify'])
      assert.equal((await orders(name, session.accessToken)).status, 200);
    const logout = await call(latchUrl, 'POST', '/auth/logout', undefined, {
      refreshToken: session.refreshToken,
    });
    assert.equal(logout.status, 204);
    for (const name of ['express', 'fastify']) {
      const took = await until(
        async () => (await orders(name, session.accessToken)).status === 401,
        1000,
        name,
      );
      const answer = await orders(name, session.accessToken);
      assert.equal(answer.type, 'application/problem+json');
      assert.equal(answer.body.code, 'session_revoked');
      console.log(`${name}: refused ${took} ms after the logout answered`);
    }
  });

  it('after keys:rotate and a new login, the new token works without restarting the services', async () => {
    const before = await login();
    const oldKid = kidOf(before.accessToken);
    execFileSync('npm', ['run', '--silent', 'keys:rotate'], {
      cwd: repo,
      env: latchEnv(0),
      stdio: 'pipe',
    });
    let fresh = before;
    // Running instances pick a new key up within seconds (the keys folder is checked every 5 s).
    await until(
      async () => kidOf((fresh = await login()).accessToken) !== oldKid,
      15_000,
      'Latch signs with the new key',
    );
    for (const name of ['express', 'fastify']) {
      const answer = await orders(name, fresh.accessToken);
      assert.equal(answer.status, 200, `${name}: ${JSON.stringify(answer.body)}`);
      // The older key still verifies its own unexpired tokens.
      assert.equal((await orders(name, before.accessToken)).status, 200);
    }
  });

  it('a token for another audience is refused (invalid_token)', async () => {
    const session = await login();
    const answer = await call(services.billing.url, 'GET', '/orders/mine', session.accessToken);
    assert.equal(answer.status, 401);
    assert.equal(answer.type, 'application/problem+json');
    assert.equal(answer.body.code, 'invalid_token');
  });

  it('with the feed cut: reject answers 503, accept serves (a session revoked meanwhile too); both catch up on reconnect', async () => {
    const revokedBefore = await login();
    const revokedDuring = await login();
    const live = await login();
    await call(latchUrl, 'POST', '/auth/logout', undefined, {
      refreshToken: revokedBefore.refreshToken,
    });
    await until(
      async () => (await orders('fastify', revokedBefore.accessToken)).status === 401,
      1000,
      'revoked before',
    );

    await proxy.cut();
    await until(
      async () => (await orders('express', live.accessToken)).status === 503,
      2000,
      'reject sees the loss',
    );
    const refused = await orders('express', live.accessToken);
    assert.equal(refused.type, 'application/problem+json');
    assert.equal(refused.body.code, 'service_unavailable');
    // accept: live tokens still work; what it knew before the cut is still refused ...
    assert.equal((await orders('fastify', live.accessToken)).status, 200);
    assert.equal((await orders('fastify', revokedBefore.accessToken)).body.code, 'session_revoked');
    // ... and a session revoked while the feed is down keeps working there (until exp).
    await call(latchUrl, 'POST', '/auth/logout', undefined, {
      refreshToken: revokedDuring.refreshToken,
    });
    await sleep(300);
    assert.equal((await orders('fastify', revokedDuring.accessToken)).status, 200);

    await proxy.restore();
    for (const name of ['express', 'fastify']) {
      // The snapshot on reconnect carries what was revoked during the cut.
      await until(
        async () => (await orders(name, revokedDuring.accessToken)).status === 401,
        15_000,
        `${name} reconnects`,
      );
      assert.equal((await orders(name, revokedDuring.accessToken)).body.code, 'session_revoked');
      assert.equal((await orders(name, live.accessToken)).status, 200);
    }
  });
});

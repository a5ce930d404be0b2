import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { createHostApp } from '../src/host-app';

// The host app as a user runs it, with Latch installed from the tarball: on the PostgreSQL of
// DATABASE_URL (a database of its own, with Latch's tables in the `latch` schema), or, unset,
// on Latch's embedded PostgreSQL in a fresh data directory.
const databaseUrl = process.env.DATABASE_URL || undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'latch-host-app-'));
const PROBLEM = 'application/problem+json';
const latchSchema = 'latch';

interface Answer {
  status: number;
  type: string;
  body: any;
}
interface Tokens {
  accessToken: string;
  refreshToken: string;
}

let app: NestFastifyApplication;
let base: string;

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: (response.headers.get('content-type') ?? '').split(';')[0],
    body: text ? JSON.parse(text) : undefined,
  };
}

async function register(email: string): Promise<Tokens> {
  const answer = await call('POST', '/auth/register', {
    body: { email, password: 'correct horse battery staple' },
  });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body as Tokens;
}

async function refresh(tokens: Tokens): Promise<Tokens> {
  const answer = await call('POST', '/auth/refresh', {
    body: { refreshToken: tokens.refreshToken },
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as Tokens;
}

describe(`host app (${databaseUrl ? 'PostgreSQL' : 'embedded database'})`, () => {
  let alice: Tokens;

  before(async () => {
    app = await createHostApp({ databaseUrl, dataDir });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = await app.getUrl();
  });

  after(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers through Latch: 201 with tokens', async () => {
    alice = await register(`alice-${Date.now()}@example.com`);
    assert.match(alice.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(alice.refreshToken.length > 20);
  });

  it("keeps Latch's own answers on Latch's routes (problem+json)", async () => {
    const answer = await call('POST', '/auth/register', { body: { email: 'nope' } });
    assert.equal(answer.status, 400);
    assert.equal(answer.type, PROBLEM);
    assert.equal(answer.body.code, 'validation_failed');
  });

  it(`keeps Latch's tables in ${latchSchema} and the host's in public`, async () => {
    type Row = { latch_users: string | null; public_users: string | null; projects: string | null };
    const [row] = await app.get(DataSource).query<Row[]>(
      `SELECT to_regclass($1) AS latch_users, to_regclass('public.users') AS public_users,
              to_regclass('public.projects') AS projects`,
      [`${latchSchema}.users`],
    );
    assert.ok(row.latch_users, `${latchSchema}.users exists`);
    assert.equal(row.public_users, null, 'no users table in the host schema');
    assert.ok(row.projects, 'public.projects exists');
  });

  it('guards the host route: 401 problem+json without a token', async () => {
    const answer = await call('GET', '/projects');
    assert.equal(answer.status, 401);
    assert.equal(answer.type, PROBLEM);
    assert.equal(answer.body.code, 'missing_token');
  });

  it('serves the host route with the access token', async () => {
    const created = await call('POST', '/projects', {
      token: alice.accessToken,
      body: { name: 'Apollo' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const mine = await call('GET', '/projects', { token: alice.accessToken });
    assert.equal(mine.status, 200);
    assert.deepEqual(
      (mine.body as { name: string }[]).map((project) => project.name),
      ['Apollo'],
    );
  });

  it("answers the host route's invalid input in the host's own format", async () => {
    const answer = await call('POST', '/projects', {
      token: alice.accessToken,
      body: { name: '', colour: 'red' },
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.type, 'application/json');
    assert.equal(answer.body.statusCode, 400);
    assert.ok(Array.isArray(answer.body.message), JSON.stringify(answer.body));
    assert.equal(answer.body.code, undefined);
  });

  it('refuses the admin route to a plain user: 403 problem+json', async () => {
    const answer = await call('GET', '/projects/all', { token: alice.accessToken });
    assert.equal(answer.status, 403);
    assert.equal(answer.type, PROBLEM);
    assert.equal(answer.body.code, 'forbidden');
  });

  it('serves the admin route to an admin (role set in SQL, read at refresh)', async () => {
    const email = `admin-${Date.now()}@example.com`;
    const admin = await register(email);
    await app
      .get(DataSource)
      .query(`UPDATE ${latchSchema}.users SET roles = '{user,admin}' WHERE email = $1`, [email]);
    const stale = await call('GET', '/projects/all', { token: admin.accessToken });
    assert.equal(stale.status, 403, 'roles travel in the token: the first one has none');
    const fresh = await refresh(admin);
    const answer = await call('GET', '/projects/all', { token: fresh.accessToken });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.ok((answer.body as { name: string }[]).some((project) => project.name === 'Apollo'));
  });

  it('rotates the refresh token', async () => {
    const next = await refresh(alice);
    assert.notEqual(next.refreshToken, alice.refreshToken);
    assert.notEqual(next.accessToken, alice.accessToken);
    assert.equal((await call('GET', '/projects', { token: next.accessToken })).status, 200);
    // The session goes on with the new refresh token; the first access token is still valid.
    alice = { accessToken: alice.accessToken, refreshToken: next.refreshToken };
  });

  it('logs out: the old access token is refused with 401 session_revoked', async () => {
    const logout = await call('POST', '/auth/logout', {
      body: { refreshToken: alice.refreshToken },
    });
    assert.equal(logout.status, 204, JSON.stringify(logout.body));
    const answer = await call('GET', '/projects', { token: alice.accessToken });
    assert.equal(answer.status, 401);
    assert.equal(answer.type, PROBLEM);
    assert.equal(answer.body.code, 'session_revoked');
  });
});

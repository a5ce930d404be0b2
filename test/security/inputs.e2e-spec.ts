/**
 * Hostile request bodies and path parameters against every JSON endpoint: wrong shapes,
 * prototype-pollution keys, wrong field types, oversize and NUL-laden values, broken
 * percent-encoding. Each must be a clean 4xx problem document, never a 5xx, never leaking a
 * stack trace, SQL or the submitted secret, and the service must stay healthy.
 */
import { randomUUID } from 'node:crypto';
import { expectNoLeak, expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { tokenId } from '../support/refresh-token';
import {
  PASSWORD,
  registerUser,
  startApp,
  TestApp,
  TokenResponse,
  uniqueEmail,
} from '../support/test-app';

type Registered = TokenResponse & { email: string; password: string };

interface Endpoint {
  name: string;
  path: string;
  /** A body that would be accepted, so that a poisoned variant fails for the poison alone. */
  validBody: () => Promise<Record<string, unknown>>;
  /** The string fields of that body. */
  fields: string[];
  /** An access token to send (the endpoints behind the guard). */
  token?: () => string;
}

/** Whole bodies that are not a JSON object. */
const NOT_OBJECTS = [
  '[]',
  '[{"email":"a@example.com","password":"correct horse battery"}]',
  '[[[[[[[[[[]]]]]]]]]]',
  'null',
  '0',
  '123',
  '-1.5e308',
  '1e400',
  '"just a string"',
  '""',
  'true',
  'false',
];

/** Values of the wrong type for a string field. */
const WRONG_TYPES: unknown[] = [
  ['a@example.com'],
  [],
  {},
  { $ne: null },
  { $gt: '' },
  12345678901,
  0,
  true,
  null,
];

/** Inserts a raw `"key": value` member into a JSON object text. */
function withRawMember(body: Record<string, unknown>, member: string): string {
  const rest = JSON.stringify(body).slice(1);
  return rest === '}' ? `{${member}}` : `{${member},${rest}`;
}

describe('hostile request bodies and parameters', () => {
  let t: TestApp;
  let owner: Registered;
  /** Logout is tried with this user's access token, so a wrongly accepted body ends nothing of owner's. */
  let victim: Registered;
  const seen: HttpResponse[] = [];

  beforeAll(async () => {
    t = await startApp();
    owner = await registerUser(t.http);
    victim = await registerUser(t.http);
  });
  afterAll(() => t.close());

  async function send(path: string, rawBody: string, token?: string): Promise<HttpResponse> {
    const response = await t.http.post(path, undefined, {
      rawBody,
      token,
      headers: { 'content-type': 'application/json' },
    });
    seen.push(response);
    return response;
  }

  /** A live refresh token of its own session, so the poisoned refresh has a real token. */
  async function freshRefreshToken(): Promise<string> {
    const login = await t.http.post('/auth/login', { email: owner.email, password: PASSWORD });
    expect(login.status).toBe(200);
    return login.body.refreshToken;
  }

  const endpoints: Endpoint[] = [
    {
      name: 'register',
      path: '/auth/register',
      validBody: () => Promise.resolve({ email: uniqueEmail(), password: PASSWORD, name: 'N' }),
      fields: ['email', 'password', 'name'],
    },
    {
      name: 'login',
      path: '/auth/login',
      validBody: () => Promise.resolve({ email: owner.email, password: PASSWORD }),
      fields: ['email', 'password'],
    },
    {
      name: 'refresh',
      path: '/auth/refresh',
      validBody: async () => ({ refreshToken: await freshRefreshToken() }),
      fields: ['refreshToken'],
    },
    {
      name: 'logout',
      path: '/auth/logout',
      validBody: async () => ({ refreshToken: await freshRefreshToken() }),
      fields: ['refreshToken'],
      token: () => victim.accessToken,
    },
    {
      name: 'password',
      path: '/auth/password',
      validBody: () =>
        Promise.resolve({ currentPassword: 'wrong password', newPassword: PASSWORD }),
      fields: ['currentPassword', 'newPassword'],
      token: () => owner.accessToken,
    },
    {
      name: 'notes',
      path: '/notes',
      validBody: () => Promise.resolve({ title: 'title', body: 'body' }),
      fields: ['title', 'body'],
      token: () => owner.accessToken,
    },
  ];

  describe.each(endpoints)('POST $path', (endpoint) => {
    it('refuses bodies that are not JSON objects with 400 validation_failed', async () => {
      for (const raw of NOT_OBJECTS) {
        const response = await send(endpoint.path, raw, endpoint.token?.());
        expectProblem(response, 400, 'validation_failed', [PASSWORD]);
      }
    });

    it('refuses __proto__ / constructor / prototype keys with 400 validation_failed', async () => {
      const valid = await endpoint.validBody();
      const secrets = [PASSWORD, ...Object.values(valid).map(String)];
      const poisons = [
        '"__proto__":{"admin":true,"roles":["admin"]}',
        '"constructor":{"prototype":{"admin":true}}',
        '"prototype":{"admin":true}',
        '"constructor":{}',
        '"__proto__":null',
      ];
      for (const poison of poisons) {
        const response = await send(
          endpoint.path,
          withRawMember(valid, poison),
          endpoint.token?.(),
        );
        expectProblem(response, 400, 'validation_failed', secrets);
      }
      for (const field of endpoint.fields) {
        for (const inner of ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}']) {
          const raw = JSON.stringify({ ...valid, [field]: '§' }).replace('"§"', inner);
          const response = await send(endpoint.path, raw, endpoint.token?.());
          expectProblem(response, 400, 'validation_failed', secrets);
        }
      }
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('admin');
    });

    it('refuses fields of the wrong type with 400 validation_failed naming the field', async () => {
      const valid = await endpoint.validBody();
      const secrets = [PASSWORD, ...Object.values(valid).map(String)];
      for (const field of endpoint.fields) {
        for (const value of WRONG_TYPES) {
          const response = await send(
            endpoint.path,
            JSON.stringify({ ...valid, [field]: value }),
            endpoint.token?.(),
          );
          expectProblem(response, 400, 'validation_failed', secrets);
          expect(response.body.errors).toEqual(
            expect.arrayContaining([expect.objectContaining({ field })]),
          );
        }
      }
    });

    it('refuses a 1 MB body with 413 (or 400)', async () => {
      const valid = await endpoint.validBody();
      const big = JSON.stringify({ ...valid, [endpoint.fields[0]]: 'x'.repeat(1024 * 1024) });
      const response = await send(endpoint.path, big, endpoint.token?.());
      expect([400, 413]).toContain(response.status);
      expectProblem(response, response.status);
      expect(response.body.code).toBe(
        response.status === 413 ? 'payload_too_large' : 'validation_failed',
      );
    });
  });

  it('leaves the poisoned refresh and logout tokens unspent and their sessions alive', async () => {
    const refreshToken = await freshRefreshToken();
    for (const path of ['/auth/refresh', '/auth/logout']) {
      const response = await send(
        path,
        withRawMember({ refreshToken }, '"prototype":{"admin":true}'),
        owner.accessToken,
      );
      expectProblem(response, 400, 'validation_failed', [refreshToken]);
    }
    const id = tokenId(refreshToken);
    const rows = await t.sql(
      `SELECT t.rotated_at, s.revoked_at FROM refresh_tokens t
       JOIN sessions s ON s.id = t.session_id WHERE t.id = $1`,
      [id],
    );
    expect(rows).toEqual([{ rotated_at: null, revoked_at: null }]);
    expect((await t.http.post('/auth/refresh', { refreshToken })).status).toBe(200);
  });

  it('refuses a 10 kB email on register and login', async () => {
    const email = `${'a'.repeat(10_000)}@example.com`;
    for (const path of ['/auth/register', '/auth/login']) {
      const response = await t.http.post(path, { email, password: PASSWORD });
      expectProblem(response, 400, 'validation_failed', [PASSWORD]);
      expect(response.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'email' })]),
      );
      expect(response.text.length).toBeLessThan(2000); // the value is not echoed back
    }
    const local = `${'a'.repeat(10_000)}@${'b'.repeat(60)}.example.com`;
    const response = await t.http.post('/auth/login', { email: local, password: PASSWORD });
    expectProblem(response, 400, 'validation_failed');
  });

  it('refuses NUL bytes in email, name, note title and note body', async () => {
    for (const email of ['a\u0000b@example.com', 'ab@exam\u0000ple.com', `${owner.email}\u0000`]) {
      for (const path of ['/auth/register', '/auth/login']) {
        const response = await t.http.post(path, { email, password: PASSWORD });
        expectProblem(response, 400, 'validation_failed', [PASSWORD]);
      }
    }
    const named = await t.http.post('/auth/register', {
      email: uniqueEmail(),
      password: PASSWORD,
      name: 'Ada\u0000Lovelace',
    });
    expectProblem(named, 400, 'validation_failed', [PASSWORD]);
    expect(named.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    const before = await t.sql('SELECT count(*)::int AS n FROM notes');
    for (const note of [
      { title: 'a\u0000b', body: 'ok' },
      { title: 'ok', body: 'a\u0000b' },
      { title: '\u0000', body: '\u0000' },
    ]) {
      const response = await t.http.post('/notes', note, { token: owner.accessToken });
      expectProblem(response, 400, 'validation_failed');
    }
    expect(await t.sql('SELECT count(*)::int AS n FROM notes')).toEqual(before);
  });

  it('never truncates a password at a NUL byte', async () => {
    const email = uniqueEmail('nul');
    const password = 'prefix-ok\u0000and-the-rest';
    const registered = await t.http.post('/auth/register', { email, password });
    // A password is any 8..256 characters; it is hashed, never stored, so NUL is just a character.
    expect(registered.status).toBe(201);
    const truncated = await t.http.post('/auth/login', { email, password: 'prefix-ok' });
    expectProblem(truncated, 401, 'invalid_credentials', ['prefix-ok']);
    const other = await t.http.post('/auth/login', { email, password: 'prefix-ok\u0000other' });
    expectProblem(other, 401, 'invalid_credentials');
    expect((await t.http.post('/auth/login', { email, password })).status).toBe(200);
    const unknown = await t.http.post('/auth/login', {
      email: uniqueEmail(),
      password: 'a\u0000b\u0000c',
    });
    expectProblem(unknown, 401, 'invalid_credentials');
    const change = await t.http.post(
      '/auth/password',
      { currentPassword: 'prefix-ok', newPassword: PASSWORD },
      { token: registered.body.accessToken },
    );
    expectProblem(change, 401, 'invalid_credentials');
  });

  it('refuses a 100 kB password before any hashing', async () => {
    const password = 'p'.repeat(100_000);
    const cases: [string, Record<string, unknown>, string?][] = [
      ['/auth/register', { email: uniqueEmail(), password }],
      ['/auth/login', { email: owner.email, password }],
      ['/auth/password', { currentPassword: password, newPassword: PASSWORD }, owner.accessToken],
      ['/auth/password', { currentPassword: PASSWORD, newPassword: password }, owner.accessToken],
    ];
    for (const [path, body, token] of cases) {
      const started = process.hrtime.bigint();
      const response = await t.http.post(path, body, { token });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expectProblem(response, response.status, undefined, [password.slice(0, 1000)]);
      console.log(`100 kB password on ${path}: ${response.status} in ${ms.toFixed(1)} ms`);
    }
    // Under the body limit but over the 256-character rule: refused by validation, as fast.
    const long = 'q'.repeat(10_000);
    for (const path of ['/auth/register', '/auth/login']) {
      const started = process.hrtime.bigint();
      const response = await t.http.post(path, { email: uniqueEmail(), password: long });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expectProblem(response, 400, 'validation_failed', [long.slice(0, 100)]);
      console.log(`10 kB password on ${path}: ${response.status} in ${ms.toFixed(1)} ms`);
    }
    // A password is refused before any hashing: the account is untouched.
    expect(
      (await t.http.post('/auth/login', { email: owner.email, password: PASSWORD })).status,
    ).toBe(200);
  });

  describe('path parameters', () => {
    /** Not valid percent-encoding (or not UTF-8 once decoded): the router refuses the URL. */
    const badlyEncoded = ['%ZZ', '%', '%E0%A4%A', '%C0%AF', '%FF%FE', 'a%2'];
    /** Longer than the router's parameter limit (200). */
    const tooLong = ['a'.repeat(201), 'a'.repeat(5000), '%41'.repeat(3000)];
    /** Well-formed but naming nothing of the caller's. */
    const unknown = [
      '%00',
      'abc%00def',
      encodeURIComponent("' OR 1=1 --"),
      encodeURIComponent("1'; DROP TABLE notes; --"),
      '..%2F..%2F..%2Fetc%2Fpasswd',
      encodeURIComponent('../../etc/passwd'),
      `${randomUUID()}%20`,
      `${randomUUID()}x`,
      randomUUID(),
      '00000000-0000-0000-0000-000000000000',
      'a'.repeat(150),
      'a'.repeat(199),
    ];

    const routes = [
      ['GET', '/notes/'],
      ['DELETE', '/notes/'],
      ['DELETE', '/auth/sessions/'],
    ] as const;

    async function call(method: string, path: string): Promise<HttpResponse> {
      const response = await t.http.request(method, path, { token: owner.accessToken });
      seen.push(response);
      return response;
    }

    it('refuses invalid percent-encoding with 400 problem+json', async () => {
      for (const [method, prefix] of routes) {
        for (const param of badlyEncoded) {
          const response = await call(method, `${prefix}${param}`);
          expectProblem(response, 400, 'validation_failed', [owner.accessToken]);
          expect(response.text).not.toContain(param); // the path is not echoed back
        }
      }
    });

    it('refuses over-long parameters with 414 (or 404) problem+json', async () => {
      for (const [method, prefix] of routes) {
        for (const param of tooLong) {
          const response = await call(method, `${prefix}${param}`);
          expect([414, 404]).toContain(response.status);
          expectProblem(response, response.status, undefined, [owner.accessToken]);
          expect(response.body.code).toBe(response.status === 404 ? 'not_found' : 'bad_request');
          expect(response.text).not.toContain('a'.repeat(100));
        }
      }
    });

    it('answers SQL, traversal, NUL and unknown ids with 404 not_found', async () => {
      const note = await t.http.post(
        '/notes',
        { title: 'keep', body: 'me' },
        { token: owner.accessToken },
      );
      expect(note.status).toBe(201);
      for (const [method, prefix] of routes) {
        for (const param of unknown) {
          const response = await call(method, `${prefix}${param}`);
          expectProblem(response, 404, 'not_found', [owner.accessToken]);
        }
      }
      const kept = await t.http.get(`/notes/${note.body.id}`, { token: owner.accessToken });
      expect(kept.status).toBe(200);
      const sessions = await t.sql(
        'SELECT count(*)::int AS n FROM sessions WHERE revoked_at IS NOT NULL AND user_id = $1',
        [owner.user!.id],
      );
      expect(sessions[0].n).toBe(0);
    });

    it('answers a path too long for the server with a 4xx, and stays up', async () => {
      for (const [method, prefix] of routes) {
        const response = await t.http.request(method, `${prefix}${'a'.repeat(40_000)}`, {
          token: owner.accessToken,
        });
        expect([414, 431]).toContain(response.status);
        expectNoLeak(response, [owner.accessToken]);
      }
    });

    it('keeps the caller able to reach their own session and note', async () => {
      const note = await t.http.post(
        '/notes',
        { title: 't', body: 'b' },
        { token: owner.accessToken },
      );
      expect(note.status).toBe(201);
      expect(
        (await t.http.get(`/notes/${note.body.id}`, { token: owner.accessToken })).status,
      ).toBe(200);
      const upper = note.body.id.toUpperCase();
      expect([200, 404]).toContain(
        (await t.http.get(`/notes/${upper}`, { token: owner.accessToken })).status,
      );
      const sessions = await t.http.get('/auth/sessions', { token: owner.accessToken });
      expect(sessions.status).toBe(200);
    });
  });

  it('leaked nothing anywhere and is still healthy', async () => {
    for (const response of seen) expectNoLeak(response, [owner.accessToken, owner.refreshToken]);
    const health = await t.http.get('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect((await t.http.get('/auth/me', { token: owner.accessToken })).status).toBe(200);
  });
});

import { startApp, TestApp, registerUser, uniqueEmail, PASSWORD, login } from './support/test-app';
import { createTestDatabase } from './support/test-database';

describe('service foundation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('answers /health with 200 and status ok', async () => {
    const response = await t.http.get('/health');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
  });

  it('gives unknown routes 404 problem+json', async () => {
    const response = await t.http.get('/no/such/route');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 404, code: 'not_found', type: 'about:blank' });
  });

  it('refuses malformed JSON with 400 validation_failed', async () => {
    const response = await t.http.post('/auth/login', undefined, {
      rawBody: '{"email": "a@b.c",',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('validation_failed');
    expect(response.text).not.toMatch(/at .*\.js:\d+/);
  });

  it('refuses an over-size body with 413 problem+json', async () => {
    const response = await t.http.post('/auth/login', {
      email: 'a@b.co',
      password: 'x'.repeat(20_000),
    });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('payload_too_large');
  });

  it('refuses other media types, form-encoded included', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'application/xml']) {
      const response = await t.http.post('/auth/login', undefined, {
        rawBody: 'email=a@b.co&password=x',
        headers: { 'content-type': type },
      });
      expect(response.status).toBe(415);
      expect(response.body.code).toBe('unsupported_media_type');
    }
  });

  it('refuses unknown fields with validation_failed and an errors list', async () => {
    const response = await t.http.post('/auth/login', {
      email: 'a@b.co',
      password: 'x',
      admin: true,
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'admin' })]),
    );
  });

  it('serves an OpenAPI 3 document that documents the DTOs', async () => {
    const response = await t.http.get('/docs-json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(Object.keys(response.body.components.schemas)).toEqual(
      expect.arrayContaining(['RegisterDto', 'LoginDto', 'TokenResponse', 'CreateNoteDto']),
    );
    expect((await t.http.get('/docs')).status).toBe(200);
  });

  it('serves many simultaneous requests that each run several statements', async () => {
    // Regression: on the embedded database, concurrent connections once interleaved their
    // extended-protocol messages and registrations failed with 503.
    const emails = Array.from({ length: 16 }, () => uniqueEmail('burst'));
    const answers = await Promise.all(
      emails.map((email) => t.http.post('/auth/register', { email, password: PASSWORD })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(201));
    const rows = await t.sql('SELECT count(*)::int AS n FROM users WHERE email = ANY($1)', [
      emails,
    ]);
    expect(rows[0].n).toBe(16);
  });

  it('sets a request id and security headers on every response', async () => {
    const response = await t.http.get('/health', { headers: { 'x-request-id': 'trace-123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    expect((await t.http.get('/health')).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS', () => {
  it('is off by default and allows exactly the CORS_ORIGINS list when set', async () => {
    const t = await startApp({ env: { CORS_ORIGINS: 'https://app.example.com' } });
    try {
      const allowed = await t.http.request('OPTIONS', '/auth/login', {
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
      });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      const foreign = await t.http.request('OPTIONS', '/auth/login', {
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      // The API's DELETE and PATCH routes must pass a browser's preflight too.
      for (const [method, path] of [
        ['DELETE', '/auth/mfa/totp'],
        ['DELETE', '/auth/sessions/x'],
        ['PATCH', '/users/x'],
      ]) {
        const preflight = await t.http.request('OPTIONS', path, {
          headers: { origin: 'https://app.example.com', 'access-control-request-method': method },
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-methods')).toContain(method);
      }
    } finally {
      await t.close();
    }
  });
});

describe('persistence across a restart on the same database', () => {
  it('keeps users and sessions', async () => {
    const db = await createTestDatabase();
    try {
      const first = await startApp({ db });
      const email = uniqueEmail();
      const registered = await registerUser(first.http, email);
      await first.close();

      const second = await startApp({ db });
      try {
        await login(second.http, email, PASSWORD);
        // The signing key survived too: the old access token still verifies.
        const me = await second.http.get('/auth/me', { token: registered.accessToken });
        expect(me.status).toBe(200);
        const rows = await second.sql('SELECT count(*)::int AS n FROM users WHERE email = $1', [
          email,
        ]);
        expect(rows[0].n).toBe(1);
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
    }
  });
});

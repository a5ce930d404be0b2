import { expectProblem } from '../support/forge';
import { registerUser, startApp, TestApp } from '../support/test-app';

/** Bad input on every route of the mailed links: 4xx problem+json, never 5xx. */
describe('account link routes: hostile input', () => {
  let t: TestApp;
  let access: string;

  beforeAll(async () => {
    t = await startApp();
    access = (await registerUser(t.http)).accessToken;
  });
  afterAll(() => t.close());

  const token = 'A'.repeat(43);
  const long = 'x'.repeat(10_000);
  const cases: [string, boolean, unknown[]][] = [
    [
      '/auth/verify-email',
      false,
      [{}, { token: 1 }, { token: null }, { token: [token] }, { token, extra: 1 }, 'a string'],
    ],
    [
      '/auth/password/forgot',
      false,
      [
        {},
        { email: 'not-an-email' },
        { email: 7 },
        { email: `${long}@example.com` },
        { email: 'a@example.com', x: 1 },
      ],
    ],
    [
      '/auth/password/reset',
      false,
      [
        {},
        { token },
        { newPassword: 'long enough password' },
        { token, newPassword: 'short' },
        { token, newPassword: long },
        { token: 5, newPassword: 'long enough password' },
        { token, newPassword: 'long enough password', extra: true },
      ],
    ],
    [
      '/auth/email',
      true,
      [
        {},
        { newEmail: 'a@example.com' },
        { newEmail: 'nope', currentPassword: 'whatever1' },
        { newEmail: `${long}@example.com`, currentPassword: 'whatever1' },
        { newEmail: 'a@example.com', currentPassword: long },
        { newEmail: ['a@example.com'], currentPassword: 'whatever1' },
        { newEmail: 'a@example.com', currentPassword: 'whatever1', roles: ['admin'] },
      ],
    ],
    ['/auth/email/confirm', false, [{}, { token: {} }, { token, more: 1 }]],
    ['/auth/verify-email/send', true, [{ extra: 1 }]],
  ];

  it.each(cases)(
    '%s answers 400 validation_failed to each bad body',
    async (path, auth, bodies) => {
      for (const body of bodies) {
        const response = await t.http.post(path, body, auth ? { token: access } : {});
        expect(response.status).toBeLessThan(500);
        if (path === '/auth/verify-email/send') {
          expect(response.status).toBeGreaterThanOrEqual(200); // no body is read: extra fields are ignored
          continue;
        }
        expectProblem(response, 400, 'validation_failed');
      }
    },
  );

  it.each(['/auth/verify-email', '/auth/email/confirm'])(
    '%s answers 400 invalid_link to a token of the wrong format',
    async (path) => {
      for (const bad of [
        '',
        'short',
        long,
        'A'.repeat(42) + '=',
        '../../etc/passwd',
        '\u0000'.repeat(43),
      ]) {
        expectProblem(await t.http.post(path, { token: bad }), 400, 'invalid_link');
      }
    },
  );

  it('reset answers 400 invalid_link to a token of the wrong format', async () => {
    for (const bad of ['', 'short', long, 'A'.repeat(44)]) {
      expectProblem(
        await t.http.post('/auth/password/reset', {
          token: bad,
          newPassword: 'long enough password',
        }),
        400,
        'invalid_link',
      );
    }
  });

  it('refuses non-JSON bodies and asks for tokens where due', async () => {
    const form = await t.http.request('POST', '/auth/password/forgot', {
      rawBody: 'email=a@example.com',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(form, 415);
    expectProblem(
      await t.http.post('/auth/email', { newEmail: 'a@example.com', currentPassword: 'x' }),
      401,
      'missing_token',
    );
  });

  it('lists every new route and body in the OpenAPI document', async () => {
    const doc = (await t.http.get('/docs-json')).body;
    for (const path of [
      '/auth/verify-email/send',
      '/auth/verify-email',
      '/auth/password/forgot',
      '/auth/password/reset',
      '/auth/email',
      '/auth/email/confirm',
    ]) {
      expect(doc.paths[path]?.post?.responses).toBeDefined();
    }
    for (const schema of [
      'LinkTokenDto',
      'ForgotPasswordDto',
      'ResetPasswordDto',
      'ChangeEmailDto',
    ]) {
      expect(doc.components.schemas[schema]).toBeDefined();
    }
  });
});

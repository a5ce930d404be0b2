/**
 * Deeply nested JSON bodies (issue 10, defect 7). class-transformer recurses once per level,
 * so a 5,000-deep array or object used to overflow the stack (500, logged with a stack). The
 * body parser now refuses more than 32 levels: 400 validation_failed problem+json on every
 * route that takes a body, before any guard, pipe or handler sees it, and the service stays up.
 * BODY_LIMIT is raised so that 5,000-deep objects fit (at the default they would get 413).
 */
import { expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';

const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

interface Route {
  path: string;
  /** An accepted body, as JSON text, with its first field's value replaced by `inner`. */
  withField: (inner: string) => string;
  token?: () => string;
}

describe('deeply nested JSON bodies', () => {
  let t: TestApp;
  let accessToken: string;
  let refreshToken: string;
  const seen: HttpResponse[] = [];

  beforeAll(async () => {
    t = await startApp({ env: { BODY_LIMIT: '65536' } });
    const user = await registerUser(t.http);
    accessToken = user.accessToken;
    refreshToken = user.refreshToken;
  });
  afterAll(() => t.close());

  const routes: Route[] = [
    {
      path: '/auth/register',
      withField: (inner) => `{"email":${inner},"password":"${PASSWORD}"}`,
    },
    {
      path: '/auth/login',
      withField: (inner) => `{"email":${inner},"password":"${PASSWORD}"}`,
    },
    { path: '/auth/refresh', withField: (inner) => `{"refreshToken":${inner}}` },
    {
      path: '/auth/logout',
      withField: (inner) => `{"refreshToken":${inner}}`,
      token: () => accessToken,
    },
    {
      path: '/auth/password',
      withField: (inner) => `{"currentPassword":${inner},"newPassword":"${PASSWORD}"}`,
      token: () => accessToken,
    },
    {
      path: '/notes',
      withField: (inner) => `{"title":${inner},"body":"body"}`,
      token: () => accessToken,
    },
  ];

  async function send(route: Route, rawBody: string): Promise<HttpResponse> {
    const response = await t.http.post(route.path, undefined, {
      rawBody,
      token: route.token?.(),
      headers: { 'content-type': 'application/json' },
    });
    seen.push(response);
    return response;
  }

  describe.each(routes)('POST $path', (route) => {
    it.each([
      ['a 5,000-deep array', deepArray(5000)],
      ['a 5,000-deep object', deepObject(5000)],
      ['a 33-deep array', deepArray(33)],
      ['a 33-deep object', deepObject(33)],
    ])('refuses %s, as the body or as a field, with 400 validation_failed', async (_what, deep) => {
      for (const body of [deep, route.withField(deep)]) {
        const response = await send(route, body);
        expectProblem(response, 400, 'validation_failed', [PASSWORD, refreshToken]);
      }
    });
  });

  it('still serves everyone: the refresh token and the session were left alone', async () => {
    expect(seen.length).toBe(routes.length * 8);
    expect((await t.http.get('/health')).status).toBe(200);
    const refreshed = await t.http.post('/auth/refresh', { refreshToken });
    expect(refreshed.status).toBe(200);
    const registered = await t.http.post('/auth/register', {
      email: uniqueEmail('deep'),
      password: PASSWORD,
    });
    expect(registered.status).toBe(201);
  });
});

/**
 * Without AUTH_FEED_TOKEN the revocation feed does not exist: GET /auth/revocations answers
 * exactly as an unknown path does, whatever bearer is sent. (Its own spec: two apps in one
 * process would share Passport's strategies.)
 */
import { randomBytes } from 'node:crypto';
import { expectProblem } from '../support/forge';
import { startApp, TestApp } from '../support/test-app';

describe('revocation feed without AUTH_FEED_TOKEN', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(() => app.close());

  it('404 not_found, the same answer as an unknown path, with or without a bearer', async () => {
    const unknown = await app.http.get('/auth/no-such-route');
    for (const token of [undefined, randomBytes(32).toString('base64url')]) {
      const response = await app.http.get('/auth/revocations', { token });
      expectProblem(response, 404, 'not_found');
      expect(response.body).toEqual(unknown.body);
      expect(response.headers.get('www-authenticate')).toBeNull();
    }
  });
});

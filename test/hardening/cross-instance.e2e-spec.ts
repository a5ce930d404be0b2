/**
 * Two instances on one PostgreSQL database: a revocation on one reaches the other at once
 * (LISTEN/NOTIFY), and concurrent refreshes of one token across both yield at most one
 * successor. The embedded database belongs to one process and cannot be shared, so there the
 * same checks run against the single instance (which must then reject at once).
 */
import { expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { tokenId } from '../support/refresh-token';
import { usingPostgres } from '../support/test-database';
import { registerUser, login, sleep, startApp, TestApp } from '../support/test-app';

const shared = usingPostgres();

/** Starts A and, on PostgreSQL, B on A's database; on the embedded database B is A. */
async function startPair(env: Record<string, string> = {}): Promise<[TestApp, TestApp]> {
  const a = await startApp({ env });
  const b = shared ? await startApp({ db: a.db, env }) : a;
  return [a, b];
}

async function closePair([a, b]: [TestApp, TestApp]): Promise<void> {
  if (b !== a) await b.close();
  await a.close();
}

/** Polls `me` on the app until the token is refused; returns the delay in ms and the answer. */
async function untilRefused(
  app: TestApp,
  token: string,
  since: number,
  limitMs = 5000,
): Promise<{ delay: number; response: HttpResponse; polls: number }> {
  let polls = 0;
  for (;;) {
    const response = await app.http.get('/auth/me', { token });
    polls++;
    const delay = Date.now() - since;
    if (response.status !== 200 || delay > limitMs) return { delay, response, polls };
    await sleep(5);
  }
}

describe(`cross-instance behaviour (${shared ? 'two instances, one PostgreSQL' : 'embedded: one instance'})`, () => {
  describe('revocation', () => {
    let pair: [TestApp, TestApp];

    beforeAll(async () => {
      pair = await startPair();
    });
    afterAll(() => closePair(pair));

    it('logout-all on A: B refuses the old access token with session_revoked within 1 s', async () => {
      const [a, b] = pair;
      const user = await registerUser(a.http);
      const second = await login(b.http, user.email);
      // B has verified (and cached) both tokens before the revocation.
      expect((await b.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
      expect((await b.http.get('/auth/me', { token: second.accessToken })).status).toBe(200);

      const sent = Date.now();
      const logoutAll = await a.http.post('/auth/logout-all', undefined, {
        token: user.accessToken,
      });
      expect(logoutAll.status).toBe(204);
      const since = Date.now();
      const first = await untilRefused(b, user.accessToken, since);
      const other = await untilRefused(b, second.accessToken, since);
      console.log(
        `cross-instance revocation delay (${shared ? 'A -> B over PostgreSQL' : 'same instance'}): ` +
          `${first.delay} ms after logout-all answered (${first.delay + since - sent} ms after it was sent), ` +
          `${first.polls} poll(s); second session ${other.delay} ms`,
      );
      expectProblem(first.response, 401, 'session_revoked', [user.accessToken]);
      expectProblem(other.response, 401, 'session_revoked', [second.accessToken]);
      expect(first.delay).toBeLessThan(1000);
      expect(other.delay).toBeLessThan(1000);
      if (!shared) expect(first.polls).toBe(1); // a single instance rejects at once
      // Every other route behind the guard agrees, on both instances.
      for (const app of pair) {
        expectProblem(
          await app.http.get('/notes', { token: user.accessToken }),
          401,
          'session_revoked',
        );
        expectProblem(
          await app.http.get('/users/me', { token: second.accessToken }),
          401,
          'session_revoked',
        );
      }
    });

    it('logout-all on A: B refuses the refresh tokens with invalid_grant', async () => {
      const [a, b] = pair;
      const user = await registerUser(a.http);
      const second = await login(b.http, user.email);
      expect(
        (await a.http.post('/auth/logout-all', undefined, { token: second.accessToken })).status,
      ).toBe(204);
      for (const refreshToken of [user.refreshToken, second.refreshToken]) {
        const response = await b.http.post('/auth/refresh', { refreshToken });
        expectProblem(response, 401, 'invalid_grant', [refreshToken]);
        const rows = await b.sql('SELECT rotated_at FROM refresh_tokens WHERE id = $1', [
          tokenId(refreshToken),
        ]);
        expect(rows).toEqual([{ rotated_at: null }]);
      }
    });

    it('a single logout on B ends that session on A at once, and only that one', async () => {
      const [a, b] = pair;
      const user = await registerUser(a.http);
      const second = await login(a.http, user.email);
      expect((await a.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
      expect((await b.http.post('/auth/logout', { refreshToken: user.refreshToken })).status).toBe(
        204,
      );
      const since = Date.now();
      const refused = await untilRefused(a, user.accessToken, since);
      expectProblem(refused.response, 401, 'session_revoked');
      expect(refused.delay).toBeLessThan(1000);
      expect((await a.http.get('/auth/me', { token: second.accessToken })).status).toBe(200);
      expect((await b.http.get('/auth/me', { token: second.accessToken })).status).toBe(200);
    });
  });

  /** Fires 20 refreshes of one token at once, alternating between the two instances. */
  async function stampede([a, b]: [TestApp, TestApp], refreshToken: string) {
    return Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).http.post('/auth/refresh', { refreshToken }),
      ),
    );
  }

  const childCount = async (app: TestApp, token: string) =>
    (
      await app.sql('SELECT count(*)::int AS n FROM refresh_tokens WHERE parent_id = $1', [
        tokenId(token),
      ])
    )[0].n as number;

  describe('rotation with AUTH_REUSE_GRACE=0', () => {
    let pair: [TestApp, TestApp];

    beforeAll(async () => {
      pair = await startPair({ AUTH_REUSE_GRACE: '0' });
    });
    afterAll(() => closePair(pair));

    it('20 simultaneous refreshes of one token across both instances yield at most one successor', async () => {
      for (let round = 0; round < 3; round++) {
        const user = await registerUser(pair[0].http);
        const responses = await stampede(pair, user.refreshToken);
        const statuses = responses.map((r) => r.status);
        for (const response of responses) {
          if (response.status === 200) continue;
          expect(response.status).toBe(401);
          expect(['refresh_token_reused', 'invalid_grant']).toContain(response.body.code);
        }
        expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
        expect(await childCount(pair[0], user.refreshToken)).toBeLessThanOrEqual(1);
        const total = await pair[1].sql(
          'SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1',
          [user.sessionId],
        );
        expect(total[0].n).toBeLessThanOrEqual(2);
      }
    });
  });

  describe('rotation with AUTH_REUSE_GRACE=10', () => {
    let pair: [TestApp, TestApp];

    beforeAll(async () => {
      pair = await startPair({ AUTH_REUSE_GRACE: '10' });
    });
    afterAll(() => closePair(pair));

    it('20 simultaneous refreshes across both instances all get the one shared successor', async () => {
      for (let round = 0; round < 3; round++) {
        const user = await registerUser(pair[1].http);
        const responses = await stampede(pair, user.refreshToken);
        expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
        const successors = new Set(responses.map((r) => r.body.refreshToken));
        expect(successors.size).toBe(1);
        expect(await childCount(pair[0], user.refreshToken)).toBe(1);
        const [successor] = successors;
        const child = await pair[0].sql(
          'SELECT id, rotated_at FROM refresh_tokens WHERE parent_id = $1',
          [tokenId(user.refreshToken)],
        );
        expect(child).toEqual([{ id: tokenId(successor), rotated_at: null }]);
        // Each caller got its own fresh access token, all valid, for the same session.
        for (const response of responses) {
          expect(response.body.sessionId).toBe(user.sessionId);
        }
        const me = await pair[1].http.get('/auth/me', { token: responses[19].body.accessToken });
        expect(me.status).toBe(200);
        // The shared successor is the session's one current token.
        const next = await pair[1].http.post('/auth/refresh', { refreshToken: successor });
        expect(next.status).toBe(200);
        const sessions = await pair[0].sql('SELECT revoked_at FROM sessions WHERE id = $1', [
          user.sessionId,
        ]);
        expect(sessions).toEqual([{ revoked_at: null }]);
      }
    });
  });
});

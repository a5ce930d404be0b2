import { registerUser, startApp, TestApp } from '../support/test-app';
import { expectProblem } from '../support/forge';
import { tokenId } from '../support/refresh-token';
import { childCount, countRows, refresh, sessionRow } from './helpers';

const PARALLEL = 30;

/** Fires the same refresh PARALLEL times at once over real HTTP. */
const stampede = (t: TestApp, refreshToken: string) =>
  Promise.all(Array.from({ length: PARALLEL }, () => refresh(t, refreshToken)));

describe('simultaneous refreshes of one token with AUTH_REUSE_GRACE=0', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ env: { AUTH_REUSE_GRACE: '0' } });
  });
  afterAll(() => t.close());

  it(`${PARALLEL} at once yield at most one success and at most one child row`, async () => {
    const user = await registerUser(t.http);
    const responses = await stampede(t, user.refreshToken);

    const ok = responses.filter((response) => response.status === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    for (const response of responses) {
      if (response.status !== 200) {
        expectProblem(response, 401, ['refresh_token_reused', 'invalid_grant']);
      }
    }
    const children = await childCount(t, user.refreshToken);
    expect(children).toBeLessThanOrEqual(1);
    expect(children).toBe(ok.length);
    expect(
      await countRows(t, `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`, [
        user.sessionId,
      ]),
    ).toBe(1 + children);
    if (ok.length === 1) {
      expect(tokenId(ok[0].body.refreshToken)).toBe(
        (
          await t.sql(`SELECT id FROM refresh_tokens WHERE parent_id = $1`, [
            tokenId(user.refreshToken),
          ])
        )[0].id,
      );
    }

    // Any loser that saw a spent token reported reuse, and then the session must be over.
    if (
      responses.some(
        (response) => (response.body as { code?: string })?.code === 'refresh_token_reused',
      )
    ) {
      const session = await sessionRow(t, user.sessionId);
      expect(session.revoke_reason).toBe('refresh_token_reused');
      expectProblem(
        await t.http.get('/auth/me', { token: user.accessToken }),
        401,
        'session_revoked',
      );
      for (const response of ok) {
        expectProblem(await refresh(t, response.body.refreshToken), 401, [
          'invalid_grant',
          'refresh_token_reused',
        ]);
      }
    }
  });
});

describe('simultaneous refreshes of one token with the default grace (10 s)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it(`${PARALLEL} at once all succeed with one and the same successor and exactly one child row`, async () => {
    const user = await registerUser(t.http);
    const responses = await stampede(t, user.refreshToken);

    expect(responses.map((response) => response.status)).toEqual(Array(PARALLEL).fill(200));
    const successors = new Set(responses.map((response) => response.body.refreshToken));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    expect(successor).not.toBe(user.refreshToken);
    // Each caller still gets its own fresh access token.
    expect(new Set(responses.map((response) => response.body.accessToken)).size).toBe(PARALLEL);
    for (const response of responses) expect(response.body.sessionId).toBe(user.sessionId);

    expect(await childCount(t, user.refreshToken)).toBe(1);
    const [child] = await t.sql(`SELECT id, rotated_at FROM refresh_tokens WHERE parent_id = $1`, [
      tokenId(user.refreshToken),
    ]);
    expect(child).toEqual({ id: tokenId(successor), rotated_at: null });
    expect(
      await countRows(t, `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`, [
        user.sessionId,
      ]),
    ).toBe(2);
    expect((await sessionRow(t, user.sessionId)).revoked_at).toBeNull();

    // The one successor works, and so does every access token handed out.
    for (const response of responses.slice(0, 5)) {
      expect((await t.http.get('/auth/me', { token: response.body.accessToken })).status).toBe(200);
    }
    expect((await refresh(t, successor)).status).toBe(200);
  });

  it('two sessions of one user refreshed at once do not disturb each other', async () => {
    const a = await registerUser(t.http);
    const b = await t.http.post('/auth/login', { email: a.email, password: a.password });
    const [ra, rb] = await Promise.all([
      refresh(t, a.refreshToken),
      refresh(t, b.body.refreshToken),
    ]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(ra.body.sessionId).toBe(a.sessionId);
    expect(rb.body.sessionId).toBe(b.body.sessionId);
    expect(await childCount(t, a.refreshToken)).toBe(1);
    expect(await childCount(t, b.body.refreshToken)).toBe(1);
  });
});

import { randomUUID } from 'node:crypto';
import { CredentialsService } from '../../src/auth/credentials.service';
import { RefreshRotation } from '../../src/auth/refresh/refresh-rotation';
import {
  parseRefreshToken,
  type RefreshTokenParts,
} from '../../src/auth/refresh/refresh-token-format';
import { ProblemException } from '../../src/common/problem';
import { client, startLatch, type LatchTestingModule } from './latch-testing-module';

const codeOf = (error: unknown) => (error instanceof ProblemException ? error.code : String(error));

describe('RefreshRotation, as a service of LatchModule.forRoot()', () => {
  let latch: LatchTestingModule;
  let rotation: RefreshRotation;
  beforeAll(async () => {
    latch = await startLatch({ auth: { reuseGrace: 0 } });
    rotation = latch.get(RefreshRotation);
  });
  afterAll(() => latch.close());

  async function signUp(): Promise<{ token: string; parts: RefreshTokenParts; sessionId: string }> {
    const { issued } = await latch
      .get(CredentialsService)
      .register(
        { email: `${randomUUID()}@example.com`, password: 'correct horse battery' },
        client(),
      );
    if (!issued) throw new Error('register opened no session');
    return {
      token: issued.token,
      parts: parseRefreshToken(issued.token)!,
      sessionId: issued.sessionId,
    };
  }

  it('spends the presented token and hands out its successor in the same session', async () => {
    const first = await signUp();
    const second = await rotation.rotate(first.parts, client());
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.token).not.toBe(first.token);
    const third = await rotation.rotate(parseRefreshToken(second.token)!, client());
    expect(third.sessionId).toBe(first.sessionId);
    const [row] = await latch.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`,
      [first.sessionId],
    );
    expect(row.n).toBe(3);
  });

  it('revokes the whole session when a spent token is replayed (no grace)', async () => {
    const first = await signUp();
    const second = await rotation.rotate(first.parts, client());
    const replay = await rotation.rotate(first.parts, client()).catch(codeOf);
    expect(replay).toBe('refresh_token_reused');
    // The thief's replay ended the session: the legitimate successor is dead too.
    await expect(
      rotation.rotate(parseRefreshToken(second.token)!, client()).catch(codeOf),
    ).resolves.toBe('invalid_grant');
    const [session] = await latch.sql<{ revoked_at: Date | null; revoke_reason: string | null }>(
      `SELECT revoked_at, revoke_reason FROM sessions WHERE id = $1`,
      [first.sessionId],
    );
    expect(session.revoked_at).not.toBeNull();
    expect(session.revoke_reason).toBe('refresh_token_reused');
  });

  it('gives one token at most one successor when ten spend it at once', async () => {
    const first = await signUp();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        rotation.rotate(first.parts, client()).then(
          (issued) => issued.token,
          (error: unknown) => codeOf(error),
        ),
      ),
    );
    const successors = new Set(outcomes.filter((outcome) => outcome.includes('.')));
    expect(successors.size).toBeLessThanOrEqual(1);
    const [row] = await latch.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`,
      [first.sessionId],
    );
    expect(row.n).toBeLessThanOrEqual(2);
  });

  it('refuses a token whose secret does not match, without touching the session', async () => {
    const first = await signUp();
    const forged: RefreshTokenParts = {
      ...first.parts,
      secret: Buffer.alloc(first.parts.secret.length, 7),
    };
    await expect(rotation.rotate(forged, client()).catch(codeOf)).resolves.toBe('invalid_grant');
    await expect(rotation.rotate(first.parts, client())).resolves.toMatchObject({
      sessionId: first.sessionId,
    });
  });
});

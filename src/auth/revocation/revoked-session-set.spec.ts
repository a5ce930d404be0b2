import { ProblemException } from '../../common/problem';

import type { DeletedSessionsRepository } from './deleted-sessions.repository';
import type { SessionsRepository } from '../sessions/sessions.repository';
import { PRUNE_INTERVAL_MS, RevokedSessionSet } from './revoked-session-set';
import type { AuthSettings } from '../../latch.settings';

const ACCESS_TTL = 900;

/** No user deleted: the records of deleted sessions are empty (or unreachable with the rest). */
const noneDeleted = (up = () => true) =>
  ({
    deletedWithin: () => (up() ? Promise.resolve([]) : Promise.reject(new Error('unreachable'))),
  }) as unknown as DeletedSessionsRepository;

function revokedSessions(): RevokedSessionSet {
  const sessions = {
    revokedWithin: jest.fn().mockResolvedValue([]),
  } as unknown as SessionsRepository;
  const auth = { accessTtl: ACCESS_TTL } as AuthSettings;
  return new RevokedSessionSet(sessions, noneDeleted(), auth);
}

describe('RevokedSessionSet pruning', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('drops an entry on a timer once every access token of its session has expired', () => {
    const revoked = revokedSessions();
    revoked.onModuleInit();
    revoked.add(['a', 'b']);
    jest.advanceTimersByTime((ACCESS_TTL * 1000) / 2);
    revoked.add(['c']);
    expect(revoked.size).toBe(3);

    // Access tokens of a and b may live ACCESS_TTL, plus a leeway: still kept just before.
    jest.advanceTimersByTime((ACCESS_TTL * 1000) / 2);
    expect(revoked.size).toBe(3);
    expect(revoked.knownState('a')).toBe(true);

    // Past the TTL and the margin, the next tick drops a and b, with no lookup of them.
    jest.advanceTimersByTime(60_000 + PRUNE_INTERVAL_MS);
    expect(revoked.size).toBe(1);
    expect(revoked.knownState('c')).toBe(true);

    jest.advanceTimersByTime(ACCESS_TTL * 1000);
    expect(revoked.size).toBe(0);
    revoked.onModuleDestroy();
  });

  it('stops its timer at shutdown', () => {
    const revoked = revokedSessions();
    revoked.onModuleInit();
    expect(jest.getTimerCount()).toBe(1);
    revoked.onModuleDestroy();
    expect(jest.getTimerCount()).toBe(0);
  });
});

const SESSION = '7b0c2a56-1f0e-4d8a-9a43-2f1a6f3e9c01';
const unreachable = () =>
  Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** A set over a fake repository whose database is up or down as the test says. */
function setWith(db: { up: boolean; revoked: string[] }): RevokedSessionSet {
  const sessions = {
    revokedWithin: () => (db.up ? Promise.resolve(db.revoked) : Promise.reject(unreachable())),
    isRevoked: (id: string) =>
      db.up ? Promise.resolve(db.revoked.includes(id)) : Promise.reject(unreachable()),
  } as unknown as SessionsRepository;
  return new RevokedSessionSet(
    sessions,
    noneDeleted(() => db.up),
    { accessTtl: 900 } as never,
  );
}

describe('RevokedSessionSet', () => {
  it('never loaded and the database unreachable: a 503 problem, never "not revoked"', async () => {
    const set = setWith({ up: false, revoked: [SESSION] });
    expect(set.knownState(SESSION)).toBeUndefined();
    const answer = set.isRevoked(SESSION);
    await expect(answer).rejects.toBeInstanceOf(ProblemException);
    await expect(answer).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(((await answer.catch((e: unknown) => e)) as ProblemException).getStatus()).toBe(503);
  });

  it('never loaded but the database answers: the database decides', async () => {
    const set = setWith({ up: true, revoked: [SESSION] });
    expect(await set.isRevoked(SESSION)).toBe(true);
    expect(await set.isRevoked('00000000-0000-4000-8000-000000000000')).toBe(false);
  });

  it('loaded once, then the database lost: the set answers (nobody can revoke meanwhile)', async () => {
    const db = { up: true, revoked: [SESSION] };
    const set = setWith(db);
    await set.reload();
    db.up = false;
    expect(await set.isRevoked(SESSION)).toBe(true);
    expect(await set.isRevoked('00000000-0000-4000-8000-000000000000')).toBe(false);
  });

  it('a failed reload does not count as loaded', async () => {
    const set = setWith({ up: false, revoked: [] });
    await expect(set.reload()).rejects.toThrow('ECONNREFUSED');
    await expect(set.isRevoked(SESSION)).rejects.toMatchObject({ code: 'service_unavailable' });
  });

  it('an error that is not a lost database is passed on', async () => {
    const sessions = {
      isRevoked: () => Promise.reject(new Error('syntax error at or near')),
    } as unknown as SessionsRepository;
    const set = new RevokedSessionSet(sessions, noneDeleted(), { accessTtl: 900 } as never);
    await expect(set.isRevoked(SESSION)).rejects.toThrow('syntax error');
  });
});

describe('RevokedSessionSet listeners (the revocation feed)', () => {
  it('tells of ids it did not know, once, with until past the TTL and the margin', () => {
    const set = setWith({ up: true, revoked: [] });
    const told: { sid: string; until: number }[][] = [];
    const stop = set.onRevoked((entries) => told.push(entries));
    const before = Date.now();
    set.add(['a', 'b']);
    set.add(['b', 'c']); // b again: the revoker's own NOTIFY coming back
    expect(told.map((entries) => entries.map((e) => e.sid))).toEqual([['a', 'b'], ['c']]);
    expect(told[0][0].until).toBeGreaterThanOrEqual(before + 900_000 + 60_000);
    stop();
    set.add(['d']);
    expect(told).toHaveLength(2);
    expect(set.entries().map((e) => e.sid)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('tells of a change of trust, not of the same state again', () => {
    const set = setWith({ up: true, revoked: [] });
    const told: boolean[] = [];
    set.onTrustChanged((trusted) => told.push(trusted));
    set.setTrusted(true);
    set.setTrusted(true);
    set.setTrusted(false);
    expect(told).toEqual([true, false]);
    expect(set.isTrusted).toBe(false);
  });
});

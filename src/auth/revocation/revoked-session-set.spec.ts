import type { ConfigType } from '@nestjs/config';
import type { authConfig } from '../../config/namespaces';
import type { SessionsRepository } from '../store/sessions.repository';
import { PRUNE_INTERVAL_MS, RevokedSessionSet } from './revoked-session-set';

const ACCESS_TTL = 900;

function revokedSessions(): RevokedSessionSet {
  const sessions = {
    revokedWithin: jest.fn().mockResolvedValue([]),
  } as unknown as SessionsRepository;
  const auth = { accessTtl: ACCESS_TTL } as ConfigType<typeof authConfig>;
  return new RevokedSessionSet(sessions, auth);
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

import { EventEmitter2 } from '@nestjs/event-emitter';
import { ProblemException } from '../../common/problem';
import { AuthEventBus } from '../events/auth-event-bus';
import type { AuthSettings } from '../../latch.settings';
import { PrunerRegistry } from '../../maintenance/pruner-registry';
import type { LoginAttemptsRepository } from './login-attempts.repository';
import { LoginLockout, noVerdict, right, wrong } from './login-lockout';

/** The statements the lockout makes, recorded; `locked` makes the next reservation refused. */
function lockoutWith(options: { threshold?: number; locked?: boolean } = {}) {
  const calls: string[] = [];
  const attempts = {
    reserve: jest.fn(() => {
      calls.push('reserve');
      return Promise.resolve(
        options.locked
          ? { reserved_count: null, reserved_lock: null, wait: '30' }
          : { reserved_count: 1, reserved_lock: null, wait: null },
      );
    }),
    release: jest.fn(() => Promise.resolve(void calls.push('release'))),
    clear: jest.fn(() => Promise.resolve(void calls.push('clear'))),
    deleteStaleBefore: jest.fn(() => Promise.resolve(0)),
  } as unknown as LoginAttemptsRepository;
  const auth = { lockoutThreshold: options.threshold ?? 5 } as AuthSettings;
  const pruners = new PrunerRegistry();
  const emitter = new EventEmitter2({ wildcard: true, delimiter: '.' });
  const signals: unknown[] = [];
  emitter.on('latch.signal.**', function (this: { event: string }, payload: unknown) {
    signals.push([this.event, payload]);
  });
  const lockout = new LoginLockout(attempts, pruners, auth, new AuthEventBus(emitter));
  return { lockout, calls, pruners, signals };
}

describe('LoginLockout.judge', () => {
  it('a right credential clears the count and returns its value', async () => {
    const { lockout, calls } = lockoutWith();
    await expect(
      lockout.judge('a@example.com', () => Promise.resolve(right('session'))),
    ).resolves.toBe('session');
    expect(calls).toEqual(['reserve', 'clear']);
  });

  it('a wrong credential keeps the reserved attempt counted', async () => {
    const { lockout, calls } = lockoutWith();
    await expect(
      lockout.judge('a@example.com', () => Promise.resolve(wrong('refused'))),
    ).resolves.toBe('refused');
    expect(calls).toEqual(['reserve']);
  });

  it('no verdict gives the attempt back without resetting the count', async () => {
    const { lockout, calls } = lockoutWith();
    await expect(
      lockout.judge('a@example.com', () => Promise.resolve(noVerdict('disabled'))),
    ).resolves.toBe('disabled');
    expect(calls).toEqual(['reserve', 'release']);
  });

  it('a check that throws (the database lost, 503) gives the attempt back and rethrows', async () => {
    const { lockout, calls } = lockoutWith();
    const failure = new ProblemException(503, 'service_unavailable', 'down');
    await expect(lockout.judge('a@example.com', () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
    expect(calls).toEqual(['reserve', 'release']);
  });

  it('any error code thrown is no verdict, even one that reads like a wrong credential', async () => {
    const { lockout, calls } = lockoutWith();
    const thrown = new ProblemException(401, 'invalid_credentials', 'thrown, not returned');
    await expect(lockout.judge('a@example.com', () => Promise.reject(thrown))).rejects.toBe(thrown);
    expect(calls).toEqual(['reserve', 'release']);
  });

  it('while the email is locked: 429 with Retry-After, and the check never runs', async () => {
    const { lockout, calls } = lockoutWith({ locked: true });
    const check = jest.fn(() => Promise.resolve(right('session')));
    const refusal = lockout.judge('a@example.com', check);
    await expect(refusal).rejects.toMatchObject({ code: 'too_many_requests' });
    await expect(refusal).rejects.toMatchObject({ headers: { 'retry-after': '30' } });
    expect(check).not.toHaveBeenCalled();
    expect(calls).toEqual(['reserve']);
  });

  it('a refusal while locked signals the lockout, and a sign-in its method', async () => {
    const { lockout, signals } = lockoutWith({ locked: true });
    const check = () => Promise.resolve(right('session'));
    await expect(lockout.judge('a@example.com', check, 'mfa')).rejects.toBeInstanceOf(
      ProblemException,
    );
    await expect(lockout.judge('a@example.com', check)).rejects.toBeInstanceOf(ProblemException);
    expect(signals).toEqual([
      ['latch.signal.rate_limited', { limit: 'lockout' }],
      ['latch.signal.login.locked', { method: 'mfa' }],
      ['latch.signal.rate_limited', { limit: 'lockout' }],
    ]);
  });

  it('with the lockout off, nothing is stored but the verdict still decides the value', async () => {
    const { lockout, calls } = lockoutWith({ threshold: 0 });
    await expect(lockout.judge('a@example.com', () => Promise.resolve(wrong(false)))).resolves.toBe(
      false,
    );
    await expect(lockout.judge('a@example.com', () => Promise.resolve(right(true)))).resolves.toBe(
      true,
    );
    expect(calls).toEqual([]);
  });
});

describe('LoginLockout.reset and its pruner', () => {
  it('reset forgets the email whether or not the lockout is on', async () => {
    const { lockout, calls } = lockoutWith({ threshold: 0 });
    await lockout.reset('a@example.com');
    expect(calls).toEqual(['clear']);
  });

  it('registers the stale login attempts with the cleanup job', () => {
    const { lockout, pruners } = lockoutWith();
    lockout.onModuleInit();
    expect(pruners.all().map((pruner) => pruner.name)).toEqual(['loginAttempts']);
  });
});

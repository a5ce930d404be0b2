/**
 * Issue 18 #2: a login with the old password racing a password change, on an account with
 * TOTP, fired for real at several offsets: whatever the order, the old password's mfaToken
 * opens no session once the change has committed.
 */
import { PASSWORD, startApp, TestApp } from '../support/test-app';
import { enableTotp, loginMfa, passwordLogin, TestClock } from './helpers';

const NEW_PASSWORD = 'a brand new passphrase 42';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('second factor: the password step racing a password change', () => {
  let t: TestApp;
  let clock: TestClock;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock = new TestClock(t);
  });
  afterEach(() => jest.restoreAllMocks());

  it('#2: an mfaToken got with the old password never opens a session after the change', async () => {
    const opened: number[] = [];
    for (const offset of [0, 20, 30, 35, 40, 45, 50, 55, 60, 65, 70, 80, 90, 100]) {
      const user = await enableTotp(t, clock);
      const [login, change] = await Promise.all([
        pause(offset).then(() => passwordLogin(t, user.email)),
        t.http.post(
          '/auth/password',
          { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
          { token: user.accessToken },
        ),
      ]);
      expect(change.status).toBe(204);
      if (login.status !== 401 || typeof login.body.mfaToken !== 'string') continue;
      const second = await loginMfa(t, {
        mfaToken: login.body.mfaToken,
        code: clock.code(user.secret),
      });
      clock.tick();
      if (second.status === 200) opened.push(offset);
    }
    expect(opened).toEqual([]);
  });
});

/**
 * A login for an unknown email verifies the password against a dummy hash, so it costs what
 * a wrong password costs. The dummy hash is made at start-up: the first unknown-email login
 * must not pay for a hash on top of its verification. Counted, not timed.
 */
jest.mock('argon2', () => {
  const actual = jest.requireActual('argon2');
  return { ...actual, hash: jest.fn(actual.hash), verify: jest.fn(actual.verify) };
});

import * as argon2 from 'argon2';
import { startApp, TestApp, uniqueEmail, PASSWORD } from '../support/test-app';

const hash = argon2.hash as jest.Mock;
const verify = argon2.verify as jest.Mock;

describe('unknown-email logins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('cost exactly one argon2 verification and no hash, from the first one on', async () => {
    expect(hash).toHaveBeenCalledTimes(1); // the dummy hash, made while starting
    hash.mockClear();
    verify.mockClear();

    for (let i = 1; i <= 2; i++) {
      const response = await t.http.post('/auth/login', {
        email: uniqueEmail('nobody'),
        password: PASSWORD,
      });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('invalid_credentials');
      expect(hash).toHaveBeenCalledTimes(0);
      expect(verify).toHaveBeenCalledTimes(i);
    }
  });
});

import { ProblemException } from '../../common/problem';
import { accessTokenFailure, invalidToken, sessionRevoked } from './token-errors';

const failure = (reason: unknown) => {
  const problem = accessTokenFailure(reason);
  return { status: problem.getStatus(), code: problem.code };
};

describe('accessTokenFailure', () => {
  it('maps an expired token to 401 token_expired', () => {
    const error = Object.assign(new Error('jwt expired'), { name: 'TokenExpiredError' });
    expect(failure(error)).toEqual({ status: 401, code: 'token_expired' });
  });

  it('maps a missing token to 401 missing_token', () => {
    expect(failure(new Error('No auth token'))).toEqual({ status: 401, code: 'missing_token' });
  });

  it.each([
    [
      'a bad signature',
      Object.assign(new Error('invalid signature'), { name: 'JsonWebTokenError' }),
    ],
    [
      'a wrong issuer',
      Object.assign(new Error('jwt issuer invalid'), { name: 'JsonWebTokenError' }),
    ],
    [
      'a not-yet-valid token',
      Object.assign(new Error('jwt not active'), { name: 'NotBeforeError' }),
    ],
    ['anything else', new Error('boom')],
    ['nothing at all', undefined],
    ['a string', 'weird'],
  ])('maps %s to 401 invalid_token', (_what, reason) => {
    expect(failure(reason)).toEqual({ status: 401, code: 'invalid_token' });
  });

  it('passes a problem through unchanged', () => {
    const revoked = sessionRevoked();
    expect(accessTokenFailure(revoked)).toBe(revoked);
    const invalid = invalidToken('unknown signing key');
    expect(accessTokenFailure(invalid)).toBe(invalid);
    expect(accessTokenFailure(invalid)).toBeInstanceOf(ProblemException);
  });

  it('sets a WWW-Authenticate challenge on every access-token failure', () => {
    for (const reason of [new Error('No auth token'), new Error('x'), sessionRevoked()]) {
      expect(accessTokenFailure(reason).headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });
});

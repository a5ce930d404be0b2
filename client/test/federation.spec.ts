import { LatchError } from '../src/index.js';
import { harness, json, problem } from './harness.js';

// Identity providers: the provider list, the redirect back (#code, #linked, #error), the
// exchange answered like a login (mfa_required included), linking and unlinking.

const MFA_TOKEN = 'mfa-token-after-a-provider';
const granted = () =>
  json(200, {
    tokenType: 'Bearer',
    accessToken: 'at-fed',
    expiresIn: 900,
    refreshToken: 'rt-fed',
    refreshExpiresIn: 3600,
    sessionId: 'sid-fed',
  });

async function signedOut() {
  const h = harness();
  h.script('POST /auth/refresh', () => problem(401, 'invalid_grant'));
  await h.client.ready;
  return h;
}

describe('identity providers', () => {
  it('lists the providers without a token', async () => {
    const h = await signedOut();
    h.script('GET /auth/oidc/providers', () => json(200, [{ id: 'google', name: 'Google' }]));
    expect(await h.client.providers()).toEqual([{ id: 'google', name: 'Google' }]);
    expect(new Headers(h.calls.at(-1)!.init.headers).get('authorization')).toBeNull();
  });

  it('answers the start URL with returnTo (outside a browser nothing navigates)', async () => {
    const h = await signedOut();
    expect(h.client.signInWith('my idp', { returnTo: '/settings?x=1' })).toBe(
      'http://auth.test/auth/oidc/my%20idp?returnTo=%2Fsettings%3Fx%3D1',
    );
    expect(h.client.signInWith('google')).toBe('http://auth.test/auth/oidc/google?returnTo=%2F');
  });

  it('exchanges #code for a session, as login does', async () => {
    const h = await signedOut();
    h.script('POST /auth/oidc/exchange', granted);
    const result = await h.client.handleRedirect('#code=one-time-code');
    expect(h.calls.at(-1)).toMatchObject({
      key: 'POST /auth/oidc/exchange',
      body: { code: 'one-time-code' },
    });
    expect(result).toMatchObject({ mfaRequired: false, accessToken: 'at-fed' });
    expect(result).not.toHaveProperty('refreshToken');
    expect(h.client.state).toBe('signed-in');
    expect(h.stored.token).toBe('rt-fed');
  });

  it('surfaces mfa_required as login does, and verifyMfa finishes it', async () => {
    const h = await signedOut();
    h.script('POST /auth/oidc/exchange', () =>
      json(401, { type: 'about:blank', status: 401, code: 'mfa_required', mfaToken: MFA_TOKEN }),
    );
    const result = await h.client.handleRedirect('#code=c');
    expect(result).toEqual({ mfaRequired: true });
    expect(h.client.state).toBe('mfa-required');
    await h.client.verifyMfa('123456');
    expect(h.calls.at(-1)).toMatchObject({
      key: 'POST /auth/login/mfa',
      body: { mfaToken: MFA_TOKEN, code: '123456' },
    });
    expect(h.client.state).toBe('signed-in');
  });

  it('rejects #error with its code, reports #linked, and ignores a fragment without either', async () => {
    const h = await signedOut();
    await expect(h.client.handleRedirect('#error=account_exists')).rejects.toMatchObject({
      code: 'account_exists',
    });
    await expect(h.client.handleRedirect('#error=x')).rejects.toBeInstanceOf(LatchError);
    expect(await h.client.handleRedirect('#linked=github')).toEqual({ linked: 'github' });
    expect(await h.client.handleRedirect('')).toBeUndefined();
    expect(await h.client.handleRedirect('#token=abc')).toBeUndefined();
    expect(h.calls.filter((call) => call.key === 'POST /auth/oidc/exchange')).toEqual([]);
    // A refused exchange rejects like a refused login.
    h.script('POST /auth/oidc/exchange', () => problem(401, 'invalid_grant'));
    await expect(h.client.handleRedirect('#code=used')).rejects.toMatchObject({
      code: 'invalid_grant',
    });
  });

  it('links with a token, lists and unlinks identities', async () => {
    const h = await signedOut();
    h.script('POST /auth/oidc/exchange', granted);
    await h.client.handleRedirect('#code=c');
    h.script('POST /auth/oidc/github/link', () =>
      json(200, { url: 'http://auth.test/auth/oidc/github?link=ticket' }),
    );
    expect(await h.client.linkProvider('github', { returnTo: '/settings' })).toBe(
      'http://auth.test/auth/oidc/github?link=ticket&returnTo=%2Fsettings',
    );
    expect(new Headers(h.calls.at(-1)!.init.headers).get('authorization')).toBe('Bearer at-fed');
    const identity = {
      id: '7f1f2d36-7b3c-4f0e-9b1a-0c7d8e9f0a1b',
      provider: 'github',
      email: 'ada@example.com',
      linkedAt: '2026-12-03T10:00:00.000Z',
      lastUsedAt: null,
    };
    h.script('GET /auth/identities', () => json(200, [identity]));
    expect(await h.client.identities()).toEqual([identity]);
    h.script(`DELETE /auth/identities/${identity.id}`, () => new Response(null, { status: 204 }));
    await h.client.unlinkIdentity(identity.id);
    h.script(`DELETE /auth/identities/${identity.id}`, () => problem(409, 'last_sign_in_method'));
    await expect(h.client.unlinkIdentity(identity.id)).rejects.toMatchObject({
      status: 409,
      code: 'last_sign_in_method',
    });
  });
});

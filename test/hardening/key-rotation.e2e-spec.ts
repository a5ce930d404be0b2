/**
 * Signing-key rotation through JWT_KEYS_DIR: a new key signs new tokens while the old one
 * still verifies and is published; retiring the old key ends its tokens and removes it from
 * the JWKS. The folder is re-read on reloadIfChanged() and by itself every few seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile, retireKeyFile } from '../../src/auth/tokens/key-files';
import { SigningKeys } from '../../src/auth/tokens/signing-keys';
import { decodeJwt, expectProblem } from '../support/forge';
import { eventually, login, registerUser, sleep, startApp, TestApp } from '../support/test-app';

describe('signing key rotation (JWT_KEYS_DIR)', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latch-keys-'));
    generateKeyFile(dir, 'ES256');
    t = await startApp({ env: { JWT_KEYS_DIR: dir } });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const jwksKids = async () => {
    const response = await t.http.get('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    for (const key of response.body.keys) {
      expect(key).toMatchObject({ alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
      expect(key.d).toBeUndefined();
    }
    return (response.body.keys as { kid: string }[]).map((key) => key.kid).sort();
  };

  it('rotates in a new key, keeps the old one verifying, then retires it', async () => {
    const keys = t.app.get(SigningKeys);
    const oldKid = keys.current.kid;
    const user = await registerUser(t.http);
    expect(decodeJwt(user.accessToken).header.kid).toBe(oldKid);
    expect(await jwksKids()).toEqual([oldKid]);

    await sleep(5); // key files are named by time: the new one must sort last
    const added = generateKeyFile(dir, 'ES256');
    keys.reloadIfChanged();
    expect(keys.current.kid).toBe(added.kid);

    const fresh = await login(t.http, user.email);
    expect(decodeJwt(fresh.accessToken).header.kid).toBe(added.kid);
    expect((await t.http.get('/auth/me', { token: fresh.accessToken })).status).toBe(200);
    // The old token still verifies, and both keys are published.
    expect((await t.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
    expect(await jwksKids()).toEqual([oldKid, added.kid].sort());
    // A refresh (opaque token, not signed) now yields an access token under the new key.
    const refreshed = await t.http.post('/auth/refresh', { refreshToken: user.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.accessToken).header.kid).toBe(added.kid);

    expect(retireKeyFile(dir, oldKid)).toBe(true);
    keys.reloadIfChanged();
    expectProblem(await t.http.get('/auth/me', { token: user.accessToken }), 401, 'invalid_token', [
      user.accessToken,
    ]);
    expect(await jwksKids()).toEqual([added.kid]);
    expect((await t.http.get('/auth/me', { token: fresh.accessToken })).status).toBe(200);
    expect((await t.http.get('/auth/me', { token: refreshed.body.accessToken })).status).toBe(200);
  });

  it('picks up a key added to the folder by itself within a few seconds', async () => {
    const before = await jwksKids();
    await sleep(5);
    const added = generateKeyFile(dir, 'ES256');
    const waited = await eventually(async () => (await jwksKids()).includes(added.kid), 8000, 100);
    console.log(`key folder change seen by the running app after ${waited} ms`);
    expect(await jwksKids()).toEqual([...before, added.kid].sort());
    const user = await registerUser(t.http);
    expect(decodeJwt(user.accessToken).header.kid).toBe(added.kid);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { registerUser, startApp, TestApp, TokenResponse } from '../support/test-app';
import {
  accessClaims,
  b64url,
  decodeJwt,
  DevKey,
  devSigningKey,
  expectProblem,
  signJwt,
  without,
} from '../support/forge';
import { sessionRow } from './helpers';

/**
 * Every token here is refused with 401 invalid_token. The control case first proves that a
 * token forged the same way with the service's own key and correct claims IS accepted, so
 * each refusal is caused by the one defect that case introduces.
 */
describe('forged and malformed access tokens', () => {
  let t: TestApp;
  let key: DevKey;
  let victim: TokenResponse & { email: string; password: string };
  let other: TokenResponse & { email: string; password: string };
  let header: Record<string, unknown>;
  let claims: () => Record<string, unknown>;
  const es256 = () => ({ kind: 'es256' as const, key: key.privateKey });

  beforeAll(async () => {
    t = await startApp();
    key = await devSigningKey(t);
    victim = await registerUser(t.http);
    other = await registerUser(t.http);
    header = { alg: 'ES256', typ: 'at+jwt', kid: key.kid };
    claims = () => accessClaims(victim.user!.id, victim.sessionId);
  });
  afterAll(() => t.close());

  async function expectInvalid(token: string, paths = ['/auth/me', '/notes', '/users/me']) {
    for (const path of paths) {
      expectProblem(await t.http.get(path, { token }), 401, 'invalid_token');
    }
  }

  it('control: a token signed with the dev key, right header and claims, is accepted', async () => {
    const { header: issued } = decodeJwt(victim.accessToken);
    expect(issued.kid).toBe(key.kid);
    const token = signJwt(header, claims(), es256());
    const response = await t.http.get('/auth/me', { token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ userId: victim.user!.id, sessionId: victim.sessionId });
  });

  it('a refresh token used as a Bearer token', async () => {
    await expectInvalid(victim.refreshToken);
  });

  it('alg "none" (unsigned), with and without the real kid', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      await expectInvalid(signJwt({ ...header, alg }, claims(), { kind: 'none' }));
    }
    await expectInvalid(
      signJwt({ ...without(header, 'kid'), alg: 'none' }, claims(), { kind: 'none' }),
    );
  });

  it('HS256 signed with the public key PEM (or its JWK text) as the HMAC secret', async () => {
    const jwks = await t.http.get('/.well-known/jwks.json');
    const publishedJwk = JSON.stringify(jwks.body.keys.find((k: any) => k.kid === key.kid));
    for (const secret of [key.publicPem, key.publicPem.trim(), publishedJwk]) {
      await expectInvalid(
        signJwt({ ...header, alg: 'HS256' }, claims(), { kind: 'hs256', secret }),
      );
    }
  });

  it('a token signed by a foreign P-256 key, with the real kid and with an unknown kid', async () => {
    const foreign = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    await expectInvalid(signJwt(header, claims(), { kind: 'es256', key: foreign }));
    await expectInvalid(
      signJwt({ ...header, kid: 'attacker-key' }, claims(), { kind: 'es256', key: foreign }),
    );
    // Even the service's own key does not help when the kid names no published key.
    await expectInvalid(signJwt({ ...header, kid: 'unknown-kid' }, claims(), es256()));
    await expectInvalid(signJwt(without(header, 'kid'), claims(), es256()));
  });

  it('RS256 signed by a foreign RSA key under the real kid', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await expectInvalid(
      signJwt({ ...header, alg: 'RS256' }, claims(), { kind: 'rs256', key: rsa }),
    );
  });

  it('a tampered payload (sub or roles changed) keeping the original signature', async () => {
    const [h, p, s] = victim.accessToken.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const asOther = `${h}.${b64url(JSON.stringify({ ...payload, sub: other.user!.id }))}.${s}`;
    const asAdmin = `${h}.${b64url(JSON.stringify({ ...payload, roles: ['admin'] }))}.${s}`;
    const withFactor = `${h}.${b64url(JSON.stringify({ ...payload, amr: ['pwd', 'otp', 'mfa'] }))}.${s}`;
    const longer = `${h}.${b64url(JSON.stringify({ ...payload, exp: payload.exp + 86_400 }))}.${s}`;
    await expectInvalid(asOther);
    await expectInvalid(asAdmin, ['/auth/me', '/users']);
    await expectInvalid(withFactor, ['/auth/me', '/auth/mfa']);
    await expectInvalid(longer);
    // A tampered header too (typ rewritten) breaks the signature.
    const headerJson = JSON.parse(Buffer.from(h, 'base64url').toString());
    await expectInvalid(`${b64url(JSON.stringify({ ...headerJson, extra: 1 }))}.${p}.${s}`);
    // The genuine token still works: nothing above revoked anything.
    expect((await t.http.get('/auth/me', { token: victim.accessToken })).status).toBe(200);
  });

  it.each([
    ['JWT', 'JWT'],
    ['jwt', 'jwt'],
    ['"refresh+jwt"', 'refresh+jwt'],
    ['an empty string', ''],
  ])('a well-signed token with typ %s', async (_what, typ) => {
    await expectInvalid(signJwt({ ...header, typ }, claims(), es256()));
  });

  it('a well-signed token without typ', async () => {
    await expectInvalid(signJwt(without(header, 'typ'), claims(), es256()));
  });

  it.each([
    ['a wrong iss', { iss: 'https://evil.example' }],
    ['no iss', { iss: undefined }],
    ['a wrong aud', { aud: 'another-api' }],
    ['an aud list without ours', { aud: ['another-api', 'third-api'] }],
    ['no aud', { aud: undefined }],
    ['a non-uuid sub', { sub: 'admin' }],
    ['no sid', { sid: undefined }],
    ['a non-uuid sid', { sid: '1 OR 1=1' }],
    ['no jti', { jti: undefined }],
    ['no exp', { exp: undefined }],
    ['roles that are not a string array', { roles: 'admin' }],
    ['roles holding a non-string', { roles: ['user', 42] }],
    ['amr that is not a string array', { amr: 'mfa' }],
    ['amr holding a non-string', { amr: ['pwd', { mfa: true }] }],
  ])('a well-signed token with %s', async (_what, change) => {
    await expectInvalid(signJwt(header, { ...claims(), ...change }, es256()));
  });

  it('a stripped signature, a truncated token and assorted garbage', async () => {
    const [h, p] = victim.accessToken.split('.');
    for (const token of [
      `${h}.${p}.`,
      `${h}.${p}`,
      `${h}.${p}.${'A'.repeat(86)}`,
      `${h}..`,
      'abc',
      'a.b.c',
      `${b64url('{"alg":"ES256"')}.${p}.x`,
      `${b64url('[]')}.${p}.x`,
    ]) {
      await expectInvalid(token, ['/auth/me']);
    }
  });

  it('a signature in DER form instead of the JOSE form', async () => {
    const { sign } = await import('node:crypto');
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims()))}`;
    const der = sign('sha256', Buffer.from(input), key.privateKey).toString('base64url');
    await expectInvalid(`${input}.${der}`, ['/auth/me']);
  });

  it('none of this revoked or changed the victim session', async () => {
    const row = await sessionRow(t, victim.sessionId);
    expect(row.revoked_at).toBeNull();
    expect((await t.http.get('/auth/me', { token: victim.accessToken })).status).toBe(200);
  });
});

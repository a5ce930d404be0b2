/**
 * Attacks on access tokens, over HTTP against the running app: forged, mis-signed, tampered,
 * stripped, mistyped and expired tokens. Each must be a 401 with the contract's code, never a
 * 5xx, and the service must stay healthy.
 */
import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import type { HttpResponse } from '../support/http';
import {
  accessClaims,
  decodeJwt,
  DevKey,
  devSigningKey,
  expectProblem,
  jwkToPublicPem,
  Json,
  publicPemOf,
  signJwt,
  Signer,
  without,
} from '../support/forge';
import { registerUser, startApp, TestApp, TokenResponse } from '../support/test-app';

/** Routes behind the access-token guard; every forged token is tried on each of them. */
const PROTECTED = [
  ['GET', '/auth/me'],
  ['GET', '/users/me'],
  ['GET', '/users'],
  ['GET', '/notes'],
  ['GET', '/auth/sessions'],
  ['GET', '/auth/events'],
  ['POST', '/auth/logout-all'],
] as const;

describe('access token attacks', () => {
  let t: TestApp;
  let user: TokenResponse & { email: string; password: string };
  let userId: string;
  let key: DevKey;
  let header: Json;

  beforeAll(async () => {
    t = await startApp();
    user = await registerUser(t.http);
    userId = user.user!.id;
    key = await devSigningKey(t);
    header = decodeJwt(user.accessToken).header;
  });
  afterAll(() => t.close());

  /** Tries the token on every protected route: 401 with the code, nothing leaked. */
  async function refused(token: string, code = 'invalid_token'): Promise<void> {
    for (const [method, path] of PROTECTED) {
      const response: HttpResponse = await t.http.request(method, path, { token });
      expectProblem(response, 401, code, [token, user.password, user.refreshToken]);
    }
  }

  const es256 = (privateKey: KeyObject): Signer => ({ kind: 'es256', key: privateKey });
  /** HS256 keyed with an arbitrary shared secret: the classic algorithm-confusion forgery. */
  const hs256 = (h: Json, payload: Json, secret: string) =>
    signJwt({ ...h, alg: 'HS256' }, payload, { kind: 'hs256', secret });
  const claims = (overrides: Json = {}) => accessClaims(userId, user.sessionId, overrides);
  const wellSigned = (headerOverrides: Json = {}, claimOverrides: Json = {}) =>
    signJwt({ ...header, ...headerOverrides }, claims(claimOverrides), es256(key.privateKey));

  it('the forge itself is sound: a token signed with the dev key and right claims passes', async () => {
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: key.kid });
    expect((await t.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
    const forged = wellSigned();
    const me = await t.http.get('/auth/me', { token: forged });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId, sessionId: user.sessionId });
  });

  it('refuses alg "none" (any spelling), with or without a signature part', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const payload = claims({ roles: ['admin'] });
      await refused(signJwt({ ...header, alg }, payload, { kind: 'none' }));
      await refused(
        signJwt({ ...header, alg }, payload, { kind: 'none', signature: 'c2lnbmF0dXJl' }),
      );
      const noKid = without(header, 'kid');
      await refused(signJwt({ ...noKid, alg }, payload, { kind: 'none' }));
    }
  });

  it('refuses HS256 tokens keyed with the public key (algorithm confusion)', async () => {
    const jwks = await t.http.get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    const jwk = jwks.body.keys.find((k: Json) => k.kid === key.kid);
    expect(jwk).toBeDefined();
    expect(jwk.d).toBeUndefined();
    const fromJwks = jwkToPublicPem(jwk);
    const fromFile = publicPemOf(key.pem);
    expect(fromFile).toBe(fromJwks);
    const secrets = [fromJwks, fromJwks.trim(), JSON.stringify(jwk), key.kid];
    for (const secret of secrets) {
      await refused(hs256(header, claims({ roles: ['admin'] }), secret));
      const noKid = without(header, 'kid');
      await refused(hs256(noKid, claims(), secret));
    }
  });

  it('refuses path-traversal, SQL and other hostile kids, though well signed', async () => {
    const kids: unknown[] = [
      '../../etc/passwd',
      '../../../../../../etc/passwd%00',
      '/dev/zero',
      `${key.kid}/../${key.kid}`,
      "' OR 1=1 --",
      "'; DROP TABLE users; --",
      '" OR ""="',
      'k'.repeat(3000),
      '__proto__',
      'constructor',
      null,
      123,
      ['a'],
      { kid: key.kid },
    ];
    for (const kid of kids) await refused(wellSigned({ kid }));
    const users = await t.sql('SELECT count(*)::int AS n FROM users');
    expect(users[0].n).toBe(1);
  });

  it('refuses an unknown kid and a missing kid', async () => {
    await refused(wellSigned({ kid: randomUUID() }));
    await refused(wellSigned({ kid: key.kid.slice(0, -1) + (key.kid.endsWith('A') ? 'B' : 'A') }));
    const noKid = without(header, 'kid');
    await refused(signJwt(noKid, claims(), es256(key.privateKey)));
  });

  it('refuses a wrong or missing typ, though well signed', async () => {
    for (const typ of ['JWT', 'jwt', 'rt+jwt', 'at+jwt ', 'at+JWT+x', '', 42, null]) {
      await refused(wellSigned({ typ }));
    }
    const noTyp = without(header, 'typ');
    await refused(signJwt(noTyp, claims(), es256(key.privateKey)));
  });

  it('refuses a wrong iss or aud, though well signed', async () => {
    for (const overrides of [
      { iss: 'evil' },
      { iss: 'latch ' },
      { iss: undefined },
      { aud: 'other-api' },
      { aud: ['other-api'] },
      { aud: undefined },
    ]) {
      await refused(wellSigned({}, overrides));
    }
  });

  it('refuses well-signed tokens with malformed claims', async () => {
    for (const overrides of [
      { sub: "' OR 1=1 --" },
      { sub: 12 },
      { sid: "x' OR '1'='1" },
      { sid: undefined },
      { roles: 'admin' },
      { roles: [{ admin: true }] },
      { jti: undefined },
    ]) {
      await refused(wellSigned({}, overrides));
    }
  });

  it('refuses a tampered payload (roles raised to admin) and a tampered header', async () => {
    const [h, , s] = user.accessToken.split('.');
    const payload = decodeJwt(user.accessToken).payload;
    const raised = Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString(
      'base64url',
    );
    await refused(`${h}.${raised}.${s}`);
    const otherUser = Buffer.from(JSON.stringify({ ...payload, sub: randomUUID() })).toString(
      'base64url',
    );
    await refused(`${h}.${otherUser}.${s}`);
    const [, p] = user.accessToken.split('.');
    const rs256 = Buffer.from(JSON.stringify({ ...header, alg: 'RS256' })).toString('base64url');
    await refused(`${rs256}.${p}.${s}`);
    // A flipped bit in the signature.
    const bytes = Buffer.from(s, 'base64url');
    bytes[5] ^= 1;
    await refused(`${h}.${p}.${bytes.toString('base64url')}`);
  });

  it('refuses a stripped signature', async () => {
    const [h, p] = user.accessToken.split('.');
    await refused(`${h}.${p}.`);
    await refused(`${h}.${p}`);
    await refused(`${h}..`);
  });

  it("refuses a token signed by an attacker's own key under the real kid", async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    await refused(signJwt(header, claims({ roles: ['admin'] }), es256(ec)));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await refused(signJwt({ ...header, alg: 'RS256' }, claims(), { kind: 'rs256', key: rsa }));
  });

  it('refuses a refresh token used as a Bearer token', async () => {
    await refused(user.refreshToken);
  });

  it('answers an expired token (dev key, exp minutes ago) with token_expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(wellSigned({}, { iat: now - 1200, exp: now - 300 }), 'token_expired');
    await refused(wellSigned({}, { iat: now - 7200, exp: now - 3600 }), 'token_expired');
  });

  it('refuses garbage Authorization headers', async () => {
    const cases: [string, string][] = [
      ['Bearer', 'missing_token'],
      ['Bearer ', 'missing_token'],
      ['Basic dXNlcjpwYXNz', 'missing_token'],
      ['Bearer a.b.c', 'invalid_token'],
      ['Bearer ....', 'invalid_token'],
      [`Bearer ${'x'.repeat(8000)}`, 'invalid_token'],
      [`Bearer ${Buffer.from('[1,2]').toString('base64url')}.e30.`, 'invalid_token'],
      [`Bearer ${Buffer.from('"str"').toString('base64url')}.e30.`, 'invalid_token'],
      [`Bearer ${Buffer.from('{"alg":').toString('base64url')}.e30.`, 'invalid_token'],
    ];
    for (const [authorization, code] of cases) {
      for (const [method, path] of PROTECTED) {
        const response = await t.http.request(method, path, { headers: { authorization } });
        expectProblem(response, 401, code, [user.password]);
      }
    }
  });

  it('is still healthy and still honours the real token afterwards', async () => {
    const health = await t.http.get('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect((await t.http.get('/auth/me', { token: user.accessToken })).status).toBe(200);
    const roles = await t.sql('SELECT roles FROM users');
    expect(roles).toEqual([{ roles: ['user'] }]);
  });
});

import { JwksCache } from './jwks-cache';
import { resolveResourceOptions } from './options';
import { AUDIENCE, ISSUER, JwksServer, makeKey, sign, type TestKey } from './jwks.spec-helpers';
import { TokenVerifier } from './token-verifier';

const COOLDOWN_MS = 400;

describe('TokenVerifier', () => {
  let server: JwksServer;
  let key: TestKey;
  let jwks: JwksCache;
  let verifier: TokenVerifier;

  const make = (
    options: { clockTolerance?: number; algorithms?: ('ES256' | 'RS256')[] } = {},
    maxAgeMs = 60_000,
  ) => {
    const resolved = resolveResourceOptions({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUrl: server.url.href,
      onFeedLoss: 'reject',
      ...options,
    });
    jwks = new JwksCache(resolved.jwksUrl, resolved.algorithms, {
      cooldownMs: COOLDOWN_MS,
      maxAgeMs,
      timeoutMs: 2000,
    });
    verifier = new TokenVerifier(resolved, jwks);
  };

  beforeEach(async () => {
    key = await makeKey();
    server = await JwksServer.start([key]);
    make();
  });
  afterEach(() => server.close());

  it('accepts a token as Latch signs it, and gives its principal', async () => {
    const sid = '7b0c2a56-1f0e-4d8a-9a43-2f1a6f3e9c01';
    const result = await verifier.verify(await sign(key, { sid, roles: ['user', 'admin'] }));
    expect(result).toMatchObject({
      kind: 'valid',
      principal: { sessionId: sid, roles: ['user', 'admin'], amr: ['pwd'] },
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['another audience', { aud: 'billing-api' }],
    ['another issuer', { iss: 'https://evil.test' }],
    ['typ JWT (an ID token, say)', { typ: 'JWT' }],
    ['a sid that is not a uuid', { sid: 'x' }],
    ['roles that are not strings', { roles: [1] }],
  ])('refuses %s as invalid', async (_case, claims) => {
    expect((await verifier.verify(await sign(key, claims))).kind).toBe('invalid');
  });

  it('accepts typ application/at+jwt, as Latch does', async () => {
    expect((await verifier.verify(await sign(key, { typ: 'application/at+jwt' }))).kind).toBe(
      'valid',
    );
  });

  it('refuses a token signed by a key of the right kid but another private key', async () => {
    const impostor = await makeKey();
    const token = await sign({ ...impostor, kid: key.kid });
    expect(await verifier.verify(token)).toEqual({
      kind: 'invalid',
      detail: 'access token is invalid',
    });
  });

  it('refuses an algorithm it was not given, before any fetch', async () => {
    const rsa = await makeKey('RS256');
    server.keys.push(rsa.jwk);
    make({ algorithms: ['ES256'] });
    expect((await verifier.verify(await sign(rsa))).kind).toBe('invalid');
    expect(jwks.fetches).toBe(0);
  });

  it('refuses an HS256 token whose secret is the public key (algorithm confusion)', async () => {
    const { createHmac } = await import('node:crypto');
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = b64({ alg: 'HS256', typ: 'at+jwt', kid: key.kid });
    const payload = b64({ iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 });
    const mac = createHmac('sha256', JSON.stringify(key.jwk))
      .update(`${header}.${payload}`)
      .digest('base64url');
    expect((await verifier.verify(`${header}.${payload}.${mac}`)).kind).toBe('invalid');
  });

  describe('clock leeway', () => {
    it('accepts a token 20 s past exp with the default 30 s leeway, refuses one 40 s past as expired', async () => {
      expect((await verifier.verify(await sign(key, { expIn: -20 }))).kind).toBe('valid');
      expect(await verifier.verify(await sign(key, { expIn: -40 }))).toEqual({ kind: 'expired' });
    });

    it('with no leeway, a token 2 s past exp is expired', async () => {
      make({ clockTolerance: 0 });
      expect(await verifier.verify(await sign(key, { expIn: -2 }))).toEqual({ kind: 'expired' });
    });

    it('refuses a leeway above the contract 30 s', () => {
      expect(() => make({ clockTolerance: 31 })).toThrow(
        /clockTolerance must be a whole number of seconds from 0 to 30/,
      );
    });
  });

  describe('key rotation', () => {
    it('a token of a key added after the last fetch is accepted: the unknown kid fetches again', async () => {
      expect((await verifier.verify(await sign(key))).kind).toBe('valid');
      expect(jwks.fetches).toBe(1);
      const next = await makeKey();
      server.keys.push(next.jwk);
      await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS));
      expect((await verifier.verify(await sign(next))).kind).toBe('valid');
      expect(jwks.fetches).toBe(2);
      // Both keys verify now, with no further fetch.
      expect((await verifier.verify(await sign(key))).kind).toBe('valid');
      expect(jwks.fetches).toBe(2);
    });

    it('inside the cooldown, a new key token waits for the next permitted fetch instead of failing', async () => {
      expect((await verifier.verify(await sign(key))).kind).toBe('valid');
      const next = await makeKey();
      server.keys.push(next.jwk);
      const started = Date.now();
      expect((await verifier.verify(await sign(next))).kind).toBe('valid');
      expect(Date.now() - started).toBeLessThan(COOLDOWN_MS + 300);
      expect(jwks.fetches).toBe(2);
    });

    it('a retired key stops verifying at the fetch after the cache max age', async () => {
      make({}, COOLDOWN_MS);
      const next = await makeKey();
      server.keys.push(next.jwk);
      expect((await verifier.verify(await sign(key))).kind).toBe('valid');
      server.keys = [next.jwk];
      expect((await verifier.verify(await sign(key))).kind).toBe('valid'); // still cached
      await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 50));
      expect(await verifier.verify(await sign(key))).toEqual({
        kind: 'invalid',
        detail: 'unknown signing key',
      });
    });
  });

  describe('unknown kid throttling', () => {
    it('a flood of unknown kids costs at most one fetch per cooldown, all waiting on one', async () => {
      expect((await verifier.verify(await sign(key))).kind).toBe('valid');
      const stranger = await makeKey();
      const tokens = await Promise.all(Array.from({ length: 50 }, () => sign(stranger)));
      const started = Date.now();
      const results = await Promise.all(tokens.map((token) => verifier.verify(token)));
      expect(results.every((result) => result.kind === 'invalid')).toBe(true);
      expect(jwks.fetches).toBe(2);
      // And the next round waits for the next cooldown: still one fetch per cooldown.
      await Promise.all(tokens.slice(0, 10).map((token) => verifier.verify(token)));
      expect(jwks.fetches).toBe(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(COOLDOWN_MS);
      expect(server.requests).toBe(3);
    });

    it('with the JWKS unreachable from the start: unavailable (503 at the guard), not invalid', async () => {
      server.failing = true;
      expect(await verifier.verify(await sign(key))).toEqual({ kind: 'unavailable' });
      server.failing = false;
      await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS));
      expect((await verifier.verify(await sign(key))).kind).toBe('valid');
    });

    it('an outage after a fetch keeps the known keys verifying', async () => {
      expect((await verifier.verify(await sign(key))).kind).toBe('valid');
      server.failing = true;
      expect((await verifier.verify(await sign(key))).kind).toBe('valid');
    });
  });
});

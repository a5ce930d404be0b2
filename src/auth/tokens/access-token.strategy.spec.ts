import 'reflect-metadata';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { Strategy } from 'passport-jwt';
import { ProblemException } from '../../common/problem';
import { Authorized } from '../decorators/authorized.decorator';
import type { Principal } from '../principal';
import type { RevokedSessionSet } from '../revocation/revoked-session-set';
import { LogoutAccessTokenGuard } from '../sessions/logout.guard';
import { AccessTokenGuard } from './access-token.guard';
import { AccessTokenStrategy } from './access-token.strategy';
import type { SigningKeys } from './signing-keys';
import { VerifiedTokenCache } from './verified-token-cache';

const KID = 'test-key';
const jwtSettings = {
  algorithm: 'ES256' as const,
  issuer: 'latch',
  audience: 'latch-api',
  clockToleranceSeconds: 30,
};

function ecKeyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

class Routes {
  @Authorized() plain() {}
  @Authorized({ roles: ['admin'], mfa: true }) admin() {}
}

/** The real strategy, registered with Passport, behind the real guard. */
function setUp(options: { revoked?: string[]; unknown?: boolean } = {}) {
  const pair = ecKeyPair();
  const revokedIds = options.revoked ?? [];
  const keys = {
    generation: 1,
    verificationKey: (kid: unknown) => (kid === KID ? pair.publicKey : undefined),
  } as unknown as SigningKeys;
  const revoked = {
    // unknown: the set has not heard of the session yet and asks the database
    knownState: (id: string) => (options.unknown ? undefined : revokedIds.includes(id)),
    isRevoked: jest.fn((id: string) => Promise.resolve(revokedIds.includes(id))),
  };
  const jwtService = new JwtService({});
  const strategy = new AccessTokenStrategy(
    keys,
    new VerifiedTokenCache(keys),
    revoked as unknown as RevokedSessionSet,
    jwtSettings as never,
  );
  const mfa = { adminRequireMfa: false } as never;
  const guard = new AccessTokenGuard(new Reflector(), mfa);
  const logoutGuard = new LogoutAccessTokenGuard(new Reflector(), mfa);
  return {
    strategy,
    guard,
    logoutGuard,
    revoked,
    revokedIds,
    jwtService,
    privateKey: pair.privateKey,
  };
}

interface SignOptions {
  privateKey: KeyObject;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  expiresIn?: number;
  issuer?: string;
}

function sign(jwtService: JwtService, options: SignOptions): string {
  return jwtService.sign(
    { sid: randomUUID(), roles: ['user'], ...options.claims },
    {
      algorithm: 'ES256',
      privateKey: options.privateKey as unknown as string,
      header: { alg: 'ES256', typ: 'at+jwt', kid: KID, ...options.header },
      issuer: options.issuer ?? 'latch',
      audience: 'latch-api',
      subject: randomUUID(),
      jwtid: randomUUID(),
      expiresIn: options.expiresIn ?? 900,
    },
  );
}

type Request = { headers: { authorization?: string }; user?: Principal };

function contextFor(request: Request, handler: keyof Routes = 'plain'): ExecutionContext {
  return {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

/** What the guard answers: the principal it set on the request, or the problem's code. */
async function answer(
  guard: AccessTokenGuard,
  token: string | undefined,
  options: { header?: string; handler?: keyof Routes } = {},
): Promise<Principal | undefined | { code: string; detail: string; header?: string }> {
  const request: Request = {
    headers: { authorization: options.header ?? (token && `Bearer ${token}`) },
  };
  try {
    await guard.canActivate(contextFor(request, options.handler));
    return request.user;
  } catch (error) {
    if (!(error instanceof ProblemException)) throw error;
    return { code: error.code, detail: error.detail, header: error.headers['www-authenticate'] };
  }
}

const code = async (promise: ReturnType<typeof answer>) => {
  const result = await promise;
  return result && 'code' in result ? result.code : 'accepted';
};

describe('AccessTokenStrategy through Passport (AccessTokenGuard)', () => {
  it('accepts a valid token and makes its principal request.user', async () => {
    const { guard, jwtService, privateKey } = setUp();
    const sid = randomUUID();
    const token = sign(jwtService, { privateKey, claims: { sid, roles: ['admin'] } });
    expect(await answer(guard, token)).toMatchObject({
      sessionId: sid,
      roles: ['admin'],
      amr: ['pwd'],
    });
  });

  it('verifies the signature of a token once, and checks revocation every time', async () => {
    const { guard, jwtService, privateKey, revokedIds } = setUp();
    const sid = randomUUID();
    const token = sign(jwtService, { privateKey, claims: { sid } });
    const verify = jest.spyOn(Strategy as unknown as { JwtVerifier: () => void }, 'JwtVerifier');
    const first = await answer(guard, token);
    const second = await answer(guard, token);
    expect(second).toEqual(first);
    revokedIds.push(sid);
    expect(await code(answer(guard, token))).toBe('session_revoked');
    expect(verify).toHaveBeenCalledTimes(1);
    verify.mockRestore();
  });

  it('asks the database when the revoked set does not know the session, on a hit and a miss', async () => {
    const { guard, jwtService, privateKey, revoked, revokedIds } = setUp({ unknown: true });
    const sid = randomUUID();
    const token = sign(jwtService, { privateKey, claims: { sid } });
    expect(await code(answer(guard, token))).toBe('accepted');
    revokedIds.push(sid);
    expect(await code(answer(guard, token))).toBe('session_revoked');
    expect(revoked.isRevoked).toHaveBeenCalledTimes(2);
  });

  it('refuses a missing or malformed Authorization header with missing_token', async () => {
    const { guard } = setUp();
    expect(await answer(guard, undefined)).toEqual({
      code: 'missing_token',
      detail: 'an access token is required',
      header: 'Bearer',
    });
    expect(await code(answer(guard, undefined, { header: 'Basic abc' }))).toBe('missing_token');
    expect(await code(answer(guard, undefined, { header: 'Bearer' }))).toBe('missing_token');
  });

  it('refuses an expired token with token_expired', async () => {
    const { guard, jwtService, privateKey } = setUp();
    const token = sign(jwtService, { privateKey, expiresIn: -120 });
    expect(await answer(guard, token)).toEqual({
      code: 'token_expired',
      detail: 'access token has expired',
      header: 'Bearer error="invalid_token", error_description="expired"',
    });
  });

  it.each([
    [
      'a foreign key',
      (s: SignOptions) => ({ ...s, privateKey: ecKeyPair().privateKey }),
      'access token is invalid',
    ],
    ['another typ', (s: SignOptions) => ({ ...s, header: { typ: 'JWT' } }), 'not an access token'],
    [
      'an unknown kid',
      (s: SignOptions) => ({ ...s, header: { kid: 'other' } }),
      'unknown signing key',
    ],
    ['another issuer', (s: SignOptions) => ({ ...s, issuer: 'evil' }), 'access token is invalid'],
    [
      'a malformed sid',
      (s: SignOptions) => ({ ...s, claims: { sid: 'not-a-uuid' } }),
      'access token claims are malformed',
    ],
    [
      'roles that are not strings',
      (s: SignOptions) => ({ ...s, claims: { roles: [1] } }),
      'access token claims are malformed',
    ],
  ])('refuses a token with %s as invalid_token', async (_what, change, detail) => {
    const { guard, jwtService, privateKey } = setUp();
    const token = sign(jwtService, change({ privateKey }));
    expect(await answer(guard, token)).toEqual({
      code: 'invalid_token',
      detail,
      header: 'Bearer error="invalid_token"',
    });
  });

  it('refuses garbage and an HS256 token signed with the public key', async () => {
    const { guard } = setUp();
    expect(await code(answer(guard, 'not.a.jwt'))).toBe('invalid_token');
    const hs = new JwtService({}).sign(
      { sid: randomUUID(), roles: [] },
      { algorithm: 'HS256', secret: 'x', header: { alg: 'HS256', typ: 'at+jwt', kid: KID } },
    );
    expect(await code(answer(guard, hs))).toBe('invalid_token');
  });

  it("checks the route's requirement after the token: 403 without the role, then step-up", async () => {
    const { guard, jwtService, privateKey } = setUp();
    const user = sign(jwtService, { privateKey, claims: { roles: ['user'] } });
    const admin = sign(jwtService, { privateKey, claims: { roles: ['admin'] } });
    const stepped = sign(jwtService, {
      privateKey,
      claims: { roles: ['admin'], amr: ['pwd', 'mfa'] },
    });
    expect(await code(answer(guard, user, { handler: 'admin' }))).toBe('forbidden');
    expect(await code(answer(guard, admin, { handler: 'admin' }))).toBe(
      'insufficient_user_authentication',
    );
    expect(await code(answer(guard, stepped, { handler: 'admin' }))).toBe('accepted');
  });

  it("lets logout's variant through a revoked session with no principal, and nothing else", async () => {
    const { logoutGuard, jwtService, privateKey, revokedIds } = setUp();
    const sid = randomUUID();
    const token = sign(jwtService, { privateKey, claims: { sid } });
    revokedIds.push(sid);
    expect(await answer(logoutGuard, token)).toBeUndefined();
    expect(await code(answer(logoutGuard, 'not.a.jwt'))).toBe('invalid_token');
    expect(await code(answer(logoutGuard, undefined))).toBe('missing_token');
  });
});

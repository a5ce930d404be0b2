import { JwtService } from '@nestjs/jwt';
import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { ProblemException } from '../../common/problem';
import type { RevokedSessionSet } from '../revocation/revoked-session-set';
import { AccessTokenVerifier } from './access-token-verifier';
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

function setUp(revokedIds: string[] = []) {
  const pair = ecKeyPair();
  const keys = {
    generation: 1,
    verificationKey: (kid: unknown) => (kid === KID ? pair.publicKey : undefined),
  } as unknown as SigningKeys;
  const revoked = {
    knownState: (id: string) => revokedIds.includes(id),
    isRevoked: (id: string) => Promise.resolve(revokedIds.includes(id)),
  } as unknown as RevokedSessionSet;
  const jwtService = new JwtService({});
  const verifier = new AccessTokenVerifier(
    keys,
    jwtService,
    new VerifiedTokenCache(keys),
    revoked,
    jwtSettings as never,
  );
  return { verifier, jwtService, privateKey: pair.privateKey };
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

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProblemException) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('AccessTokenVerifier', () => {
  it('accepts a valid token and returns its principal', async () => {
    const { verifier, jwtService, privateKey } = setUp();
    const sid = randomUUID();
    const principal = await verifier.verify(
      sign(jwtService, { privateKey, claims: { sid, roles: ['admin'] } }),
    );
    expect(principal).toMatchObject({ sessionId: sid, roles: ['admin'] });
  });

  it('verifies the signature of a token once, and checks revocation every time', async () => {
    const revokedIds: string[] = [];
    const { verifier, jwtService, privateKey } = setUp(revokedIds);
    const sid = randomUUID();
    const token = sign(jwtService, { privateKey, claims: { sid } });
    const verify = jest.spyOn(jwtService, 'verify');
    await verifier.verify(token);
    await verifier.verify(token);
    expect(verify).toHaveBeenCalledTimes(1);
    revokedIds.push(sid);
    expect(await codeOf(verifier.verify(token))).toBe('session_revoked');
  });

  it('refuses a missing token with missing_token', async () => {
    const { verifier } = setUp();
    expect(await codeOf(verifier.verify(undefined))).toBe('missing_token');
  });

  it('refuses an expired token with token_expired', async () => {
    const { verifier, jwtService, privateKey } = setUp();
    const token = sign(jwtService, { privateKey, expiresIn: -120 });
    expect(await codeOf(verifier.verify(token))).toBe('token_expired');
  });

  it.each([
    ['a foreign key', (s: SignOptions) => ({ ...s, privateKey: ecKeyPair().privateKey })],
    ['another typ', (s: SignOptions) => ({ ...s, header: { typ: 'JWT' } })],
    ['an unknown kid', (s: SignOptions) => ({ ...s, header: { kid: 'other' } })],
    ['another issuer', (s: SignOptions) => ({ ...s, issuer: 'evil' })],
    ['a malformed sid', (s: SignOptions) => ({ ...s, claims: { sid: 'not-a-uuid' } })],
    ['roles that are not strings', (s: SignOptions) => ({ ...s, claims: { roles: [1] } })],
  ])('refuses a token with %s as invalid_token', async (_what, change) => {
    const { verifier, jwtService, privateKey } = setUp();
    const token = sign(jwtService, change({ privateKey }));
    expect(await codeOf(verifier.verify(token))).toBe('invalid_token');
  });

  it('refuses garbage and an HS256 token signed with the public key', async () => {
    const { verifier } = setUp();
    expect(await codeOf(verifier.verify('not.a.jwt'))).toBe('invalid_token');
    const hs = new JwtService({}).sign(
      { sid: randomUUID(), roles: [] },
      { algorithm: 'HS256', secret: 'x', header: { alg: 'HS256', typ: 'at+jwt', kid: KID } },
    );
    expect(await codeOf(verifier.verify(hs))).toBe('invalid_token');
  });

  it('gives the Passport strategy the same answers as the guard', async () => {
    const { verifier, jwtService, privateKey } = setUp();
    const strategy = new AccessTokenStrategy(verifier);
    const token = sign(jwtService, { privateKey });
    const request = (authorization?: string) => ({ headers: { authorization } }) as never;
    expect(await strategy.validate(request(`Bearer ${token}`))).toEqual(
      await verifier.verify(token),
    );
    expect(await codeOf(strategy.validate(request()))).toBe('missing_token');
    expect(await codeOf(strategy.validate(request('Basic abc')))).toBe('missing_token');
  });
});

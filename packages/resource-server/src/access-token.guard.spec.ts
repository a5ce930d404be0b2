import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { AccessTokenGuard } from './access-token.guard';
import { Authorized, CurrentUser, Roles } from './decorators';
import { LatchResourceModule } from './latch-resource.module';
import type { Principal } from './principal';
import { Revocations } from './revocations';
import { AUDIENCE, ISSUER, JwksServer, makeKey, sign, type TestKey } from './jwks.spec-helpers';

@Controller('orders')
class OrdersController {
  @Get()
  @UseGuards(AccessTokenGuard)
  list(@CurrentUser() user: Principal) {
    return { userId: user.userId, sessionId: user.sessionId };
  }

  @Get('admin')
  @Authorized('admin')
  admin() {
    return { ok: true };
  }

  @Get('sensitive')
  @Authorized({ mfa: true })
  @Roles('clerk')
  sensitive() {
    return { ok: true };
  }

  @Get('error')
  failing() {
    throw new Error('the host app own error');
  }
}

@Module({ controllers: [OrdersController] })
class OrdersModule {}

/**
 * The guard in a Nest app on Fastify, as a host would use it: a feature module that imports
 * nothing from this package but the guard and the decorators.
 */
describe('AccessTokenGuard on a Fastify host', () => {
  let jwks: JwksServer;
  let key: TestKey;
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    key = await makeKey();
    jwks = await JwksServer.start([key]);
    const moduleRef = await Test.createTestingModule({
      imports: [
        LatchResourceModule.forRootAsync({
          useFactory: () => ({
            issuer: ISSUER,
            audience: AUDIENCE,
            jwksUrl: jwks.url.href,
            onFeedLoss: 'reject' as const,
          }),
        }),
        OrdersModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(async () => {
    await app.close();
    await jwks.close();
  });

  const get = async (path: string, token?: string) => {
    const response = await fetch(`${url}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as any,
    };
  };

  it('a valid token: 200 and the principal as @CurrentUser()', async () => {
    const sid = randomUUID();
    const response = await get('/orders', await sign(key, { sid }));
    expect(response.status).toBe(200);
    expect(response.body.sessionId).toBe(sid);
  });

  it.each<[string, () => Promise<string | undefined>, number, string]>([
    ['no token', () => Promise.resolve(undefined), 401, 'missing_token'],
    ['a malformed token', () => Promise.resolve('not.a.jwt'), 401, 'invalid_token'],
    ['another audience', () => sign(key, { aud: 'billing-api' }), 401, 'invalid_token'],
    ['an expired token', () => sign(key, { expIn: -120 }), 401, 'token_expired'],
  ])('%s: problem+json with its code and WWW-Authenticate', async (_case, token, status, code) => {
    const response = await get('/orders', await token());
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(response.body).toMatchObject({ type: 'about:blank', status, code });
  });

  it('roles and mfa as in Latch: 403 forbidden, then 401 insufficient_user_authentication', async () => {
    expect((await get('/orders/admin', await sign(key))).body.code).toBe('forbidden');
    expect((await get('/orders/admin', await sign(key, { roles: ['admin'] }))).status).toBe(200);
    const clerk = await sign(key, { roles: ['clerk'] });
    expect((await get('/orders/sensitive', clerk)).body.code).toBe(
      'insufficient_user_authentication',
    );
    const verified = await sign(key, { roles: ['clerk'], amr: ['pwd', 'otp', 'mfa'] });
    expect((await get('/orders/sensitive', verified)).status).toBe(200);
  });

  it('a session the feed reported: 401 session_revoked', async () => {
    const sid = randomUUID();
    app.get(Revocations).add([{ sid, until: Date.now() + 60_000 }]);
    expect((await get('/orders', await sign(key, { sid }))).body.code).toBe('session_revoked');
  });

  it("the host's own errors keep the host's format", async () => {
    const response = await get('/orders/error');
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('AccessTokenGuard with a revocation feed that is down', () => {
  it.each<['reject' | 'accept', number]>([
    ['reject', 503],
    ['accept', 200],
  ])('onFeedLoss %s: a token of an unreported session answers %d', async (onFeedLoss, status) => {
    const key = await makeKey();
    const jwks = await JwksServer.start([key]);
    const moduleRef = await Test.createTestingModule({
      imports: [
        LatchResourceModule.forRoot({
          issuer: ISSUER,
          audience: AUDIENCE,
          jwksUrl: jwks.url.href,
          // Nothing listens there: the feed never comes up.
          revocationFeed: { url: 'http://127.0.0.1:9/auth/revocations', token: 'x'.repeat(32) },
          onFeedLoss,
        }),
        OrdersModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    try {
      const response = await fetch(`${await app.getUrl()}/orders`, {
        headers: { authorization: `Bearer ${await sign(key)}` },
      });
      expect(response.status).toBe(status);
      if (status === 503) {
        expect(response.headers.get('retry-after')).toBe('1');
        expect(await response.json()).toMatchObject({ code: 'service_unavailable' });
      }
    } finally {
      await app.close();
      await jwks.close();
    }
  });
});

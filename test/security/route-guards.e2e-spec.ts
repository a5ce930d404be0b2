/**
 * Every route the application registers is either behind an access guard or marked
 * `@Public()` on purpose (issue 10, defect 12). The walk reads the same metadata Nest
 * applies; the requests check that what it calls guarded answers 401 without a credential.
 */
import { Controller, Get } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import fastifyCookie from '@fastify/cookie';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../../src/app.module';
import { controllersOf, routeAccess, unguardedRoutes } from '../../src/auth/guarded-routes';
import { createTestDatabase } from '../support/test-database';
import { startApp, TestApp } from '../support/test-app';

describe('every route is guarded or @Public()', () => {
  let t: TestApp;
  beforeAll(async () => {
    // With its token set the revocation feed exists (unset it answers 404, as no route).
    t = await startApp({ env: { AUTH_FEED_TOKEN: randomUUID() } });
  });
  afterAll(() => t.close());

  const routes = () => routeAccess(controllersOf(t.app.get(DiscoveryService)));

  it('finds no route of the application without an access guard or @Public()', () => {
    expect(routes().length).toBeGreaterThan(10);
    expect(unguardedRoutes(controllersOf(t.app.get(DiscoveryService)))).toEqual([]);
  });

  it('marks exactly the routes that are public by contract', () => {
    const open = routes()
      .filter((route) => route.public)
      .map((route) => route.route)
      .sort();
    expect(open).toEqual([
      'GET /.well-known/jwks.json',
      'GET /auth/oidc/:provider',
      'GET /auth/oidc/:provider/callback',
      'GET /auth/oidc/providers',
      'GET /health',
      'POST /auth/email/confirm',
      'POST /auth/login',
      'POST /auth/login/mfa',
      'POST /auth/login/mfa/passkey',
      'POST /auth/oidc/exchange',
      'POST /auth/passkeys/login',
      'POST /auth/passkeys/login/options',
      'POST /auth/passkeys/signup',
      'POST /auth/passkeys/signup/options',
      'POST /auth/password/forgot',
      'POST /auth/password/reset',
      'POST /auth/register',
      'POST /auth/verify-email',
    ]);
  });

  it('the routes it calls guarded refuse a request without credentials (401)', async () => {
    const answers: string[] = [];
    for (const { route } of routes().filter((r) => r.guarded)) {
      const [method, template] = route.split(' ');
      const path = template.replace(/:[^/]+/g, randomUUID());
      const response = await t.http.request(method, path, {
        headers: { 'x-requested-with': 'test' },
      });
      answers.push(`${route} ${response.status}`);
    }
    expect(answers.filter((answer) => !answer.endsWith(' 401'))).toEqual([]);
  });

  it('the routes it calls public answer without credentials (never 401)', async () => {
    const answers: string[] = [];
    for (const { route } of routes().filter((r) => r.public)) {
      const [method, path] = route.split(' ');
      const response = await t.http.request(method, path, method === 'GET' ? {} : { body: {} });
      answers.push(`${route} ${response.status}`);
    }
    expect(answers.filter((answer) => answer.endsWith(' 401'))).toEqual([]);
  });
});

@Controller('forgotten')
class ForgottenController {
  @Get() secrets() {
    return { secret: true };
  }
}

describe('the application with a forgotten guard', () => {
  it('refuses to start, naming the route', async () => {
    const db = await createTestDatabase();
    const env: Record<string, string | undefined> = {
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
    };
    const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
    const apply = (values: Record<string, string | undefined>) => {
      for (const [key, value] of Object.entries(values)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    };
    apply(env);
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [AppModule],
        controllers: [ForgottenController],
      }).compile();
      const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
        logger: false,
      });
      await app.register(fastifyCookie); // what Latch needs of its host, so the guard check is reached
      try {
        await expect(app.init()).rejects.toThrow(
          'every route needs an access guard or @Public(): GET /forgotten (ForgottenController.secrets): neither an access guard nor @Public()',
        );
      } finally {
        await app.close();
      }
    } finally {
      apply(saved);
      await db.drop();
    }
  });
});

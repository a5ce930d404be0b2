import fastifyCookie from '@fastify/cookie';
import { HttpStatus, INestApplication, Type } from '@nestjs/common';
import { ProblemException } from './common/problem';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { AppModule } from './app.module';
import { ProblemFilter, replyWithProblem } from './common/problem.filter';
import { installJsonBodyParser } from './common/json-body';
import { installRequestLogging } from './common/request-logging';
import { securityHeaders } from './common/security-headers';
import { appConfig } from './config/namespaces';
import { fastifyTrustProxy } from './config/trust-proxy';

/** A caller's X-Request-Id is kept when it is short and plain; otherwise we make one. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Builds the whole application (used by main.ts and by the e2e tests alike): Fastify with
 * its limits, security headers, cookies, CORS, the global pipe and filter, and OpenAPI.
 */
/**
 * The application, with AppModule as its root; a test may pass a module that imports
 * AppModule and adds a feature of its own.
 */
/**
 * A path parameter longer than the router takes names nothing that exists: 404 not_found,
 * like any unknown id (docs/api.md), instead of Fastify's 414.
 */
function overLongParamIsUnknown(error: Error): unknown {
  return (error as { code?: string }).code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'not found')
    : error;
}

export async function createApp(rootModule: Type = AppModule): Promise<NestFastifyApplication> {
  const settings = appConfig(); // validates the environment first
  const adapter = new FastifyAdapter({
    bodyLimit: settings.bodyLimit,
    trustProxy: fastifyTrustProxy(settings.trustProxy),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // The router refuses a badly encoded path (400) or an over-long parameter (414) before
    // Nest sees the request; without this, Fastify's own JSON (echoing the path) went out.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      replyWithProblem(request, reply, overLongParamIsUnknown(error)),
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });
  const fastify = adapter.getInstance();
  // JSON only: Fastify would otherwise also accept text/plain bodies (and Nest, with its
  // body parser on, form-encoded ones).
  fastify.removeContentTypeParser('text/plain');
  installJsonBodyParser(fastify); // and no deeper than MAX_JSON_DEPTH
  const headers = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headers).header('x-request-id', request.id);
    done();
  });

  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  installRequestLogging(fastify);

  // Cookies are parsed only where one is read (the refresh token), not on every request.
  await app.register(fastifyCookie, { hook: false });
  if (settings.corsOrigins.length > 0) {
    // @fastify/cors 11 allows only GET, HEAD and POST unless told: the API also has PATCH and
    // DELETE routes (sessions, notes, the second factor), which a browser must preflight.
    app.enableCors({
      origin: settings.corsOrigins,
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    });
  }
  // Latch's routes bring their own filter and pipe; this one gives the rest of the service
  // (notes, health, unknown paths) the same problem+json answers.
  app.useGlobalFilters(new ProblemFilter());
  setUpOpenApi(app);
  return app;
}

function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Latch')
      .setDescription('Access tokens, rotating refresh tokens and sessions for NestJS services.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

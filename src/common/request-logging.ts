import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Level } from 'pino';
import { PinoLogger } from 'nestjs-pino';

/** 5xx are errors, 4xx warnings (a client's mistake, or an attack), the rest info. */
export function levelForStatus(statusCode: number): Level {
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'warn';
  return 'info';
}

/**
 * Request logging as Fastify hooks rather than nestjs-pino's pino-http middleware, which cost
 * a third of a guarded request's CPU (a middie pass, a per-request child logger serialising
 * and redacting the request, listeners on the response). Every line logged while a request is
 * handled still carries its `reqId` (nestjs-pino's context, entered here), and one line closes
 * each request, written only when its level is enabled.
 */
export function installRequestLogging(fastify: FastifyInstance, pino: PinoLogger): void {
  // Everything after this hook (body parsing included: Fastify resumes it in the request's
  // async context) runs inside the context, so Nest's loggers pick up the child logger.
  fastify.addHook('onRequest', (request, _reply, done) =>
    pino.runInContext(done, { bindings: { reqId: request.id } }),
  );
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    const root = PinoLogger.root;
    const level = levelForStatus(reply.statusCode);
    if (root.isLevelEnabled(level)) {
      root[level](
        {
          reqId: request.id,
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
        },
        'request completed',
      );
    }
    done();
  });
}

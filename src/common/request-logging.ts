import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Level } from 'pino';
import { PinoLogger } from 'nestjs-pino';

/** 5xx are errors, 4xx warnings (a client's mistake, or an attack), the rest info. */
function levelForStatus(statusCode: number): Level {
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'warn';
  return 'info';
}

/**
 * Query parameters that carry a credential (an identity provider's authorization code and
 * state, a one-time link ticket): their values are left out of the request line.
 */
const SECRET_QUERY = /([?&](?:code|state|link|id_token|access_token)=)[^&#]*/g;
export const loggableUrl = (url: string) =>
  url.includes('?') ? url.replace(SECRET_QUERY, '$1[redacted]') : url;

/**
 * One line closes each request, written by a Fastify hook only when its level is enabled.
 * Lines logged about a request carry its `reqId`, passed explicitly (the error filter, the
 * ClientContext handed to services). Not through AsyncLocalStorage: on Node 20 its promise
 * hooks cost every promise in the process, which was a fifth of a guarded request's CPU,
 * and nestjs-pino's pino-http middleware another third before that.
 */
export function installRequestLogging(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    const root = PinoLogger.root;
    const level = levelForStatus(reply.statusCode);
    if (root.isLevelEnabled(level)) {
      root[level](
        {
          reqId: request.id,
          method: request.method,
          url: loggableUrl(request.url),
          statusCode: reply.statusCode,
          responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
        },
        'request completed',
      );
    }
    done();
  });
}

import { Module, RequestMethod } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { appConfig } from '../config/namespaces';

const REQUEST_LINE_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);

/** Never log a credential: headers and body fields that carry one are replaced. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
];

/** JSON lines through pino, one request id on every line and in X-Request-Id. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (app: ConfigType<typeof appConfig>) => ({
        forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
        pinoHttp: {
          level: app.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          // Request lines are written at info (warn/error for 4xx/5xx): above info, skip the
          // per-request bookkeeping unless it can produce a line.
          autoLogging: REQUEST_LINE_LEVELS.has(app.logLevel),
          // Fastify chose the id (and set X-Request-Id); see app.factory.ts.
          genReqId: (request: IncomingMessage & { id?: string }) => request.id ?? randomUUID(),
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({
              id: req.id,
              method: req.method,
              url: req.url,
            }),
          },
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
            error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        },
      }),
    }),
  ],
})
export class LoggingModule {}

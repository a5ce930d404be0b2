import { Module, RequestMethod } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { appConfig } from '../config/namespaces';

/** Levels at which no request line (info, warn or error) can ever be written. */
const QUIET_LEVELS = new Set(['fatal', 'silent']);

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
          // Request lines go out at info, warn (4xx) or error (5xx); skip the per-request
          // bookkeeping only when none of them could be written.
          autoLogging: !QUIET_LEVELS.has(app.logLevel),
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

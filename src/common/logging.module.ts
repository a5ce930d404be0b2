import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { appConfig } from '../config/namespaces';

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
  '*.mfaToken',
  '*.code',
  '*.recoveryCode',
  '*.recoveryCodes',
  '*.secret',
];

/** JSON lines through pino; the request id on every line comes from request-logging.ts. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (app: ConfigType<typeof appConfig>) => ({
        // No middleware: request lines and the request context come from Fastify hooks
        // (request-logging.ts); nestjs-pino provides the root logger and Nest's LoggerService.
        forRoutes: [],
        pinoHttp: {
          level: app.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        },
      }),
    }),
  ],
})
export class LoggingModule {}

import './thread-pool'; // first: before anything touches libuv's pool
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { existsSync } from 'node:fs';
import { createApp } from './app.factory';
import { ConfigurationError } from './config/environment';
import { appConfig } from './config/namespaces';

const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * Starts Latch. A bad setting stops start-up with one line naming it; SIGTERM/SIGINT stop
 * accepting, finish in-flight requests, close the database and exit 0.
 */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const app = await createApp(); // validates the environment before any module is built
  const { port, host } = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  await app.listen({ port, host });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${JSON.stringify({ level: 30, msg: `${signal}: shutting down` })}\n`);
    // In-flight requests finish; keep-alive connections are closed as soon as they fall idle
    // (Fastify closes only the ones idle at the moment close begins).
    const server = app.getHttpServer();
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    setTimeout(() => {
      console.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    app.close().then(
      () => {
        clearInterval(sweep);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  Logger.flush(); // what start-up logged before it failed (e.g. database retries)
  const message =
    error instanceof ConfigurationError
      ? error.message
      : `Latch failed to start: ${(error as Error)?.message ?? String(error)}`;
  console.error(message);
  process.exit(1);
});

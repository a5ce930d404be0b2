import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, type HostConfig } from './app.module';

/**
 * The application as main.ts and the e2e test start it: Latch needs the Fastify adapter and
 * @fastify/cookie (for the refresh cookie); the body limit and the JSON poisoning rules are
 * the ones Latch's standalone service uses (docs/library.md).
 */
export async function createHostApp(config: HostConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: 16384,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: ['error', 'warn'],
  });
  await app.register(fastifyCookie, { hook: false });
  app.enableShutdownHooks();
  return app;
}

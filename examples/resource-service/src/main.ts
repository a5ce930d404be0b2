import 'reflect-metadata';
import { createResourceService } from './resource-service';

/** The one place this service reads the environment. */
async function main(): Promise<void> {
  const env = process.env;
  const app = await createResourceService({
    platform: env.PLATFORM === 'fastify' ? 'fastify' : 'express',
    issuer: env.LATCH_ISSUER ?? 'latch',
    audience: env.LATCH_AUDIENCE ?? 'orders-api',
    jwksUrl: env.LATCH_JWKS_URL ?? 'http://127.0.0.1:3000/.well-known/jwks.json',
    revocationFeed: env.LATCH_FEED_TOKEN
      ? {
          url: env.LATCH_FEED_URL ?? 'http://127.0.0.1:3000/auth/revocations',
          token: env.LATCH_FEED_TOKEN,
        }
      : undefined,
    onFeedLoss: env.ON_FEED_LOSS === 'accept' ? 'accept' : 'reject',
  });
  await app.listen(Number(env.PORT ?? 3002), '127.0.0.1');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

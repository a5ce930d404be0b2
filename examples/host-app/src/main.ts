import 'reflect-metadata';
import { createHostApp } from './host-app';

/** The one place this app reads the environment. */
async function main(): Promise<void> {
  const app = await createHostApp({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.DATA_DIR ?? './.data',
  });
  await app.listen({ port: Number(process.env.PORT ?? 3001), host: '127.0.0.1' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

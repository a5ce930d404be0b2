import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';

/** Everything TypeORM needs, for the app and the CLI alike. `synchronize` is never on. */
export function typeormOptions(url: string, poolSize: number, migrateOnStart: boolean) {
  return {
    type: 'postgres',
    url,
    entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')],
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsRun: migrateOnStart,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Off: TypeORM writes plain text, and its error logging would print query parameters
    // (hashes); failures reach our own JSON logs through the exception filter.
    logging: false,
    poolSize,
    extra: {
      max: poolSize,
      // Fail fast when the database is gone, so requests get 503 instead of hanging.
      connectionTimeoutMillis: 3000,
      statement_timeout: 10000,
      query_timeout: 12000,
      keepAlive: true,
    },
  } satisfies DataSourceOptions;
}

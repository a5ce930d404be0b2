import type { DataSourceOptions, MixedList } from 'typeorm';
import { latchEntities, latchMigrations } from './latch-schema';

export interface LatchConnection {
  url: string;
  poolSize: number;
  migrateOnStart: boolean;
  /** Latch's tables, and the migrations table, live in this PostgreSQL schema. */
  schema?: string;
  /** Tables of the host's that share the connection (the standalone service's notes). */
  entities?: DataSourceOptions['entities'];
  migrations?: DataSourceOptions['migrations'];
}

/**
 * Everything TypeORM needs, for the app and the CLI alike. `synchronize` is never on;
 * migrations run from connectWithRetry (after the schema exists), not from TypeORM itself.
 */
export function typeormOptions(connection: LatchConnection) {
  const { url, poolSize, schema = 'public' } = connection;
  return {
    type: 'postgres',
    url,
    schema,
    entities: [...latchEntities, ...asArray(connection.entities)],
    migrations: [...latchMigrations, ...asArray(connection.migrations)],
    migrationsRun: false,
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
      // Latch's SQL names its tables without a schema: a schema of its own is found first.
      ...(schema === 'public' ? {} : { options: `-c search_path=${schema},public` }),
    },
  } satisfies DataSourceOptions;
}

function asArray<T>(list: MixedList<T> | undefined): T[] {
  if (!list) return [];
  return Array.isArray(list) ? list : Object.values(list);
}

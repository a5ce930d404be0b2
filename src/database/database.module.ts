import { DynamicModule, Inject, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { DataSource } from 'typeorm';
import {
  DATABASE_SETTINGS,
  type DatabaseSettings,
  LATCH_SETTINGS,
  type LatchSettings,
} from '../latch.settings';
import { connectWithRetry } from './connect-with-retry';
import { DATABASE_URL, EMBEDDED } from './database.tokens';
import { EmbeddedPostgres } from './embedded-postgres';
import { PreparedSql } from './prepared-sql';
import { typeormOptions } from './typeorm-options';

/**
 * PGlite is one PostgreSQL session shared by every socket: pglite-socket interleaves the
 * extended-protocol messages of concurrent connections, so one connection's Bind can meet
 * another's unnamed statement. The embedded pool therefore has a single connection (PGlite
 * runs one query at a time anyway); the spare slots absorb reconnects.
 */
const EMBEDDED_MAX_CONNECTIONS = 3;

const OWNS_CONNECTION = Symbol('LATCH_OWNS_CONNECTION');

/** Latch's own connection: the embedded database or `database.url`, migrated at start. */
export interface OwnConnection {
  /** A host's tables that share the connection (the standalone service's notes). */
  entities?: DataSourceOptions['entities'];
  migrations?: DataSourceOptions['migrations'];
}

@Module({
  providers: [
    {
      provide: EMBEDDED,
      inject: [DATABASE_SETTINGS, LATCH_SETTINGS],
      useFactory: async (db: DatabaseSettings, settings: LatchSettings) =>
        db.url
          ? null
          : EmbeddedPostgres.start(settings.dataDir, EMBEDDED_MAX_CONNECTIONS, db.schema),
    },
    {
      provide: DATABASE_URL,
      inject: [DATABASE_SETTINGS, EMBEDDED],
      useFactory: (db: DatabaseSettings, embedded: EmbeddedPostgres | null) =>
        embedded?.url ?? db.url,
    },
  ],
  exports: [DATABASE_URL, EMBEDDED],
})
class DatabaseUrlModule {}

/**
 * Where Latch's tables are: a connection of its own (`own()`), or the host's TypeORM
 * DataSource (`host()`), which must then hold `latchEntities` and run `latchMigrations`.
 */
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(EMBEDDED) private readonly embedded: EmbeddedPostgres | null,
    @Optional() @Inject(OWNS_CONNECTION) private readonly ownsConnection: boolean | null,
    private readonly dataSource: DataSource,
  ) {}

  static own(connection: OwnConnection = {}): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          imports: [DatabaseUrlModule],
          inject: [DATABASE_SETTINGS, LATCH_SETTINGS, DATABASE_URL, EMBEDDED],
          useFactory: (
            db: DatabaseSettings,
            settings: LatchSettings,
            url: string,
            embedded: EmbeddedPostgres | null,
          ) => ({
            ...typeormOptions({
              url,
              poolSize: embedded ? 1 : db.poolSize,
              migrateOnStart: db.migrateOnStart,
              schema: db.schema,
              ...connection,
            }),
            // What connectWithRetry needs besides TypeORM's options (removed before TypeORM sees them).
            latch: { migrate: db.migrateOnStart, schema: db.schema, logLevel: settings.logLevel },
          }),
          dataSourceFactory: (options) => {
            const { latch, ...typeorm } = options as typeof options & {
              latch: { migrate: boolean; schema: string; logLevel: string };
            };
            return connectWithRetry(typeorm, latch);
          },
        }),
        DatabaseUrlModule,
      ],
      providers: [PreparedSql, { provide: OWNS_CONNECTION, useValue: true }],
      exports: [PreparedSql, DatabaseUrlModule],
    };
  }

  static host(): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [PreparedSql, { provide: EMBEDDED, useValue: null }],
      exports: [PreparedSql, EMBEDDED],
    };
  }

  /** Only a connection of Latch's own is closed here: the pool first, then the embedded database. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.ownsConnection) return;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}

import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig } from '../config/namespaces';
import { connectWithRetry } from './connect-with-retry';
import { DATABASE_URL, EMBEDDED } from './database.tokens';
import { PreparedSql } from './prepared-sql';
import { EmbeddedPostgres } from './embedded-postgres';
import { typeormOptions } from './typeorm-options';

/**
 * PGlite is one PostgreSQL session shared by every socket: pglite-socket interleaves the
 * extended-protocol messages of concurrent connections, so one connection's Bind can meet
 * another's unnamed statement. The embedded pool therefore has a single connection (PGlite
 * runs one query at a time anyway); the spare slots absorb reconnects.
 */
const EMBEDDED_MAX_CONNECTIONS = 3;

@Global()
@Module({
  providers: [
    {
      provide: EMBEDDED,
      inject: [databaseConfig.KEY],
      useFactory: async (db: ConfigType<typeof databaseConfig>) =>
        db.url ? null : EmbeddedPostgres.start(db.dataDir, EMBEDDED_MAX_CONNECTIONS),
    },
    {
      provide: DATABASE_URL,
      inject: [databaseConfig.KEY, EMBEDDED],
      useFactory: (db: ConfigType<typeof databaseConfig>, embedded: EmbeddedPostgres | null) =>
        embedded?.url ?? db.url,
    },
  ],
  exports: [DATABASE_URL, EMBEDDED],
})
class DatabaseUrlModule {}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [DatabaseUrlModule],
      inject: [databaseConfig.KEY, DATABASE_URL, EMBEDDED],
      useFactory: (
        db: ConfigType<typeof databaseConfig>,
        url: string,
        embedded: EmbeddedPostgres | null,
      ) => typeormOptions(url, embedded ? 1 : db.poolSize, db.migrateOnStart),
      dataSourceFactory: (options) => connectWithRetry(options!),
    }),
    DatabaseUrlModule,
  ],
  providers: [PreparedSql],
  exports: [PreparedSql],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(EMBEDDED) private readonly embedded: EmbeddedPostgres | null,
    private readonly dataSource: DataSource,
  ) {}

  /** The pool closes first, then the embedded database is flushed and closed. */
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}

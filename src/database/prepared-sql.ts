import { Inject, Injectable } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { EMBEDDED } from './database.tokens';
import type { EmbeddedPostgres } from './embedded-postgres';

/**
 * Hot-path SQL as named prepared statements, straight on TypeORM's `pg` pool: PostgreSQL
 * parses and plans each once per connection instead of on every call (the benchmark showed
 * planning was most of a refresh's database time). On the embedded database statements stay
 * unnamed: PGlite is one session across reconnects, where a name could already exist.
 */
@Injectable()
export class PreparedSql {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED) private readonly embedded: EmbeddedPostgres | null,
  ) {}

  async query<T extends QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<T[]> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const result = await pool.query<T>(this.embedded ? { text, values } : { name, text, values });
    return result.rows;
  }
}

import pino from 'pino';
import { DataSource, DataSourceOptions } from 'typeorm';

const MAX_DELAY_MS = 10_000;

export interface ConnectOptions {
  /** Apply pending migrations once connected. */
  migrate: boolean;
  /** Created first when missing, so the migrations have somewhere to go. */
  schema?: string;
  logLevel?: string;
  maxAttempts?: number;
}

/**
 * Connects (and migrates) with exponential backoff, logging each failed attempt, so the
 * service can start before its database does. Logs straight through pino: Nest's own
 * logger is still buffering during start-up, and an operator must see the attempts live.
 */
export async function connectWithRetry(
  options: DataSourceOptions,
  { migrate, schema, logLevel = 'info', maxAttempts = 30 }: ConnectOptions,
): Promise<DataSource> {
  const logger = pino({ level: logLevel }).child({ context: 'Database' });
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    const dataSource = new DataSource(options);
    try {
      await dataSource.initialize();
      if (schema && schema !== 'public') {
        await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      }
      if (migrate) await dataSource.runMigrations({ transaction: 'each' });
      return dataSource;
    } catch (error) {
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      if (attempt >= maxAttempts) throw error;
      logger.warn(
        `database connection attempt ${attempt} failed (${(error as Error).message}); retrying in ${delay} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}

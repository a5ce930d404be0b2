import { Test, type TestingModule } from '@nestjs/testing';
import type { Type } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LatchModule } from '../../src/latch.module';
import type { LatchOptions } from '../../src/latch.options';
import type { ClientContext } from '../../src/auth/client-context';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Latch as a Nest module, without HTTP: services called directly, options given as values. */
export interface LatchTestingModule {
  moduleRef: TestingModule;
  db: TestDatabase;
  get<T>(type: Type<T>): T;
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Fast hashing and no rate limits unless a spec asks: the rules under test, not the cost. */
export const testOptions = (db: TestDatabase, options: LatchOptions = {}): LatchOptions => ({
  dataDir: db.dataDir,
  logLevel: 'silent',
  ...options,
  database: { url: db.url, ...options.database },
  auth: {
    loginRateLimit: 0,
    refreshRateLimit: 0,
    argon2: { memoryCost: 8192, timeCost: 1 },
    ...options.auth,
  },
});

/** `Test.createTestingModule({ imports: [LatchModule.forRoot(options)] })` on its own database. */
export async function startLatch(options: LatchOptions = {}): Promise<LatchTestingModule> {
  const db = await createTestDatabase();
  const moduleRef = await Test.createTestingModule({
    imports: [LatchModule.forRoot(testOptions(db, options))],
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  const dataSource = moduleRef.get(DataSource);
  return {
    moduleRef,
    db,
    get: (type) => moduleRef.get(type, { strict: false }),
    sql: (query, params) => dataSource.query(query, params),
    close: async () => {
      await moduleRef.close();
      await db.drop();
    },
  };
}

let requests = 0;
/** Where a call "came from", as a controller's @Client() would give it. */
export const client = (ip = '203.0.113.7'): ClientContext => ({
  ip,
  userAgent: 'service-spec',
  requestId: `service-${++requests}`,
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** Where one spec keeps its data: its own PostgreSQL database, or its own embedded folder. */
export interface TestDatabase {
  /** Set on PostgreSQL; undefined means the embedded database under dataDir. */
  url?: string;
  dataDir: string;
  kind: 'postgres' | 'embedded';
  drop(): Promise<void>;
}

export const serverUrl = () => process.env.LATCH_TEST_SERVER_URL;
export const usingPostgres = () => serverUrl() !== undefined;

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** A fresh, empty database for one spec (migrations are applied by the app). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latch-test-'));
  const server = serverUrl();
  if (!server) {
    return {
      dataDir,
      kind: 'embedded',
      drop: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    };
  }
  const name = `latch_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: withDatabase(server, name),
    dataDir,
    kind: 'postgres',
    drop: async () => {
      const client = new Client({ connectionString: server });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

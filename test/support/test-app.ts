import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { Http } from './http';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  http: Http;
  url: string;
  db: TestDatabase;
  dataSource: DataSource;
  /** Raw SQL against the app's database. */
  sql<T = any>(query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a database (restart, second instance); otherwise a fresh one is made and dropped. */
  db?: TestDatabase;
  /** Route the app's database connection through another URL (e.g. a cuttable proxy). */
  databaseUrl?: string;
  /** A root module that imports AppModule and adds a feature of the test's own. */
  rootModule?: Type;
  /** Runs after the modules are built (database connected, migrated) and before start-up hooks. */
  beforeInit?: () => Promise<void>;
  /** Listen on this port instead of a random one (a URL the app must know beforehand). */
  port?: number;
}

/**
 * Boots the real application in this process, exactly as main.ts does, on a random port.
 * Environment variables are set only while the modules are built.
 */
export async function startApp(options: StartOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const ownsDb = options.db === undefined;
  const env: Record<string, string | undefined> = {
    DATA_DIR: db.dataDir,
    DATABASE_URL: options.databaseUrl ?? db.url,
    AUTH_LOGIN_RATE_LIMIT: '0',
    AUTH_LOCKOUT_THRESHOLD: '0',
    ...options.env,
  };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  let app: NestFastifyApplication;
  try {
    app = await createApp(options.rootModule);
    await options.beforeInit?.();
    await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const dataSource = app.get(DataSource);
  return {
    app,
    http: new Http(url),
    url,
    db,
    dataSource,
    sql: (query, params) => dataSource.query(query, params),
    close: async () => {
      await app.close();
      if (ownsDb) await db.drop();
    },
  };
}

export const uniqueEmail = (prefix = 'user') =>
  `${prefix}-${randomBytes(5).toString('hex')}@example.com`;

export const PASSWORD = 'correct horse battery';

export interface TokenResponse {
  tokenType: string;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  sessionId: string;
  user?: { id: string; email: string; name: string; roles: string[]; createdAt: string };
}

/** Registers a user and returns the token response (201 asserted). */
export async function registerUser(
  http: Http,
  email = uniqueEmail(),
  password = PASSWORD,
): Promise<TokenResponse & { email: string; password: string }> {
  const response = await http.post<TokenResponse>('/auth/register', {
    email,
    password,
    name: 'Test',
  });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${response.text}`);
  return { ...response.body, email, password };
}

export async function login(
  http: Http,
  email: string,
  password = PASSWORD,
): Promise<TokenResponse> {
  const response = await http.post<TokenResponse>('/auth/login', { email, password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return response.body;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` passes or the time is up; returns how long it took (ms). */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 5000,
  stepMs = 20,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
  return Date.now() - started;
}

import { registerAs } from '@nestjs/config';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseDuration } from './duration';
import { validateEnvironment } from './environment';
import { parseTrustProxy } from './trust-proxy';

/** `true`/`1` and `false`/`0`, as the validation accepts them. */
export const parseBoolean = (value: string | undefined, fallback: boolean) =>
  value === undefined || value === '' ? fallback : value === 'true' || value === '1';
const int = (value: string | number | undefined, fallback: number) =>
  value === undefined || value === '' ? fallback : Number(value);
const seconds = (value: string | undefined, fallback: number) =>
  value === undefined || value === '' ? fallback : parseDuration(value);
const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** HTTP server settings. */
export const appConfig = registerAs('app', () => {
  const env = validateEnvironment();
  return {
    production: env.NODE_ENV === 'production',
    port: int(env.PORT, 3000),
    host: env.HOST ?? '127.0.0.1',
    bodyLimit: int(env.BODY_LIMIT, 16384),
    logLevel: env.LOG_LEVEL ?? 'info',
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    corsOrigins: list(env.CORS_ORIGINS),
  };
});

/** Where the data lives. */
export const databaseConfig = registerAs('database', () => {
  const env = validateEnvironment();
  return {
    url: env.DATABASE_URL,
    dataDir: resolve(env.DATA_DIR ?? './.data'),
    poolSize: int(env.DB_POOL_SIZE, 10),
    migrateOnStart: parseBoolean(env.DB_MIGRATE_ON_START, true),
  };
});

/** Token lifetimes and the rules around credentials. */
export const authConfig = registerAs('auth', () => {
  const env = validateEnvironment();
  return {
    accessTtl: seconds(env.AUTH_ACCESS_TTL, 900),
    refreshTtl: seconds(env.AUTH_REFRESH_TTL, 1_209_600),
    sessionMaxAge: seconds(env.AUTH_SESSION_MAX_AGE, 2_592_000),
    reuseGrace: seconds(env.AUTH_REUSE_GRACE, 10),
    retention: seconds(env.AUTH_RETENTION, 604_800),
    eventsRetention: seconds(env.AUTH_EVENTS_RETENTION, 7_776_000),
    cleanupInterval: seconds(env.AUTH_CLEANUP_INTERVAL, 3600),
    refreshTransport: (env.AUTH_REFRESH_TRANSPORT ?? 'both') as 'body' | 'cookie' | 'both',
    // docs/api.md: Secure in production, or anywhere when AUTH_COOKIE_SECURE=true.
    cookieSecure: env.NODE_ENV === 'production' || parseBoolean(env.AUTH_COOKIE_SECURE, false),
    loginRateLimit: int(env.AUTH_LOGIN_RATE_LIMIT, 10),
    refreshRateLimit: int(env.AUTH_REFRESH_RATE_LIMIT, 600),
    lockoutThreshold: int(env.AUTH_LOCKOUT_THRESHOLD, 5),
    /** Register opens no session and login refuses (403 email_not_verified) until verified. */
    requireVerifiedEmail: parseBoolean(env.AUTH_REQUIRE_VERIFIED_EMAIL, false),
    /** Hashes allowed to run at once (default: one per core). */
    argon2Concurrency: int(env.AUTH_ARGON2_CONCURRENCY, availableParallelism()),
    /** Hashes allowed to wait for a slot; beyond this, 503 at once (about 1 s of work per core). */
    argon2QueueLimit: int(env.AUTH_ARGON2_QUEUE_LIMIT, 32 * availableParallelism()),
    argon2: {
      memoryCost: int(env.AUTH_ARGON2_MEMORY_KIB, 19456),
      timeCost: int(env.AUTH_ARGON2_ITERATIONS, 2),
      parallelism: int(env.AUTH_ARGON2_PARALLELISM, 1),
    },
  };
});

/** Access-token signing. */
export const jwtConfig = registerAs('jwt', () => {
  const env = validateEnvironment();
  return {
    issuer: env.JWT_ISSUER ?? 'latch',
    audience: env.JWT_AUDIENCE ?? 'latch-api',
    algorithm: (env.JWT_ALGORITHM ?? 'ES256') as 'ES256' | 'RS256',
    privateKeyPem: env.JWT_PRIVATE_KEY,
    keysDir: env.JWT_KEYS_DIR ? resolve(env.JWT_KEYS_DIR) : undefined,
    /** Development keys are generated under DATA_DIR when nothing is configured. */
    devKeysDir: resolve(env.DATA_DIR ?? './.data', 'keys'),
    clockToleranceSeconds: 30,
  };
});

/** The refresh-token successor derivation key ring (never in the database). */
export const refreshKeyConfig = registerAs('refreshKey', () => {
  const env = validateEnvironment();
  return {
    /** Keys given inline, oldest first; checked by validateEnvironment. */
    inline: env.AUTH_REFRESH_KEY,
    file: env.AUTH_REFRESH_KEY_FILE ? resolve(env.AUTH_REFRESH_KEY_FILE) : undefined,
    /** Generated outside production when neither is set. */
    devFile: resolve(env.DATA_DIR ?? './.data', 'keys', 'refresh.keys'),
  };
});

/** The second factor (TOTP): its issuer name and the key ring that encrypts its secrets. */
export const mfaConfig = registerAs('mfa', () => {
  const env = validateEnvironment();
  return {
    issuer: env.AUTH_MFA_ISSUER ?? 'Latch',
    /** Every route of the `admin` role requires a session verified with the second factor. */
    adminRequireMfa: parseBoolean(env.AUTH_ADMIN_REQUIRE_MFA, false),
    /** Keys given inline, oldest first; checked by validateEnvironment. */
    inline: env.AUTH_MFA_KEY,
    file: env.AUTH_MFA_KEY_FILE ? resolve(env.AUTH_MFA_KEY_FILE) : undefined,
    /** Generated outside production when neither is set. */
    devFile: resolve(env.DATA_DIR ?? './.data', 'keys', 'mfa.keys'),
  };
});

/** Outgoing mail and the links it carries (accounts: verification, reset, e-mail change). */
export const mailConfig = registerAs('mail', () => {
  const env = validateEnvironment();
  return {
    production: env.NODE_ENV === 'production',
    /** Unset: each mail becomes an .eml file under `fileDir`. */
    smtpUrl: env.SMTP_URL,
    from: env.MAIL_FROM ?? 'Latch <no-reply@localhost>',
    appUrl: (env.APP_URL ?? 'http://localhost:3000').replace(/\/+$/, ''),
    fileDir: resolve(env.DATA_DIR ?? './.data', 'mail'),
    verifyTtl: seconds(env.AUTH_VERIFY_TTL, 86_400),
    resetTtl: seconds(env.AUTH_RESET_TTL, 1800),
    interval: seconds(env.AUTH_MAIL_INTERVAL, 60),
  };
});

/** Optional shared infrastructure. */
export const redisConfig = registerAs('redis', () => ({ url: validateEnvironment().REDIS_URL }));

export const allConfigs = [
  appConfig,
  databaseConfig,
  authConfig,
  jwtConfig,
  redisConfig,
  refreshKeyConfig,
  mfaConfig,
  mailConfig,
];

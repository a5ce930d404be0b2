import { registerAs } from '@nestjs/config';
import { type LatchOptions, resolveLatchOptions } from '../latch.options';
import { parseDuration } from './duration';
import { validateEnvironment } from './environment';
import { federationFromEnv } from './oidc-providers';
import { parseTrustProxy } from './trust-proxy';

/** `true`/`1` and `false`/`0`, as the validation accepts them; unset: undefined. */
export const parseBoolean = (value: string | undefined): boolean | undefined =>
  value === undefined || value === '' ? undefined : value === 'true' || value === '1';
const int = (value: string | number | undefined) =>
  value === undefined || value === '' ? undefined : Number(value);
const seconds = (value: string | undefined) =>
  value === undefined || value === '' ? undefined : parseDuration(value);
const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** The standalone service's HTTP server (not Latch's options: a host app has its own). */
export const appConfig = registerAs('app', () => {
  const env = validateEnvironment();
  return {
    production: env.NODE_ENV === 'production',
    port: int(env.PORT) ?? 3000,
    host: env.HOST ?? '127.0.0.1',
    bodyLimit: int(env.BODY_LIMIT) ?? 16384,
    logLevel: env.LOG_LEVEL ?? 'info',
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    corsOrigins: list(env.CORS_ORIGINS),
  };
});

/**
 * LatchModule's options from the environment, as the standalone service reads them: the
 * variables are checked first (one line naming a bad one), and an unset variable leaves its
 * option unset, so the default is the module's (latch.options.ts).
 */
export function latchOptionsFromEnv(raw: NodeJS.ProcessEnv = process.env): LatchOptions {
  const env = validateEnvironment(raw);
  const production = env.NODE_ENV === 'production';
  return {
    production,
    dataDir: env.DATA_DIR,
    logLevel: env.LOG_LEVEL,
    database: {
      url: env.DATABASE_URL,
      poolSize: int(env.DB_POOL_SIZE),
      migrateOnStart: parseBoolean(env.DB_MIGRATE_ON_START),
    },
    auth: {
      accessTtl: seconds(env.AUTH_ACCESS_TTL),
      refreshTtl: seconds(env.AUTH_REFRESH_TTL),
      sessionMaxAge: seconds(env.AUTH_SESSION_MAX_AGE),
      reuseGrace: seconds(env.AUTH_REUSE_GRACE),
      retention: seconds(env.AUTH_RETENTION),
      eventsRetention: seconds(env.AUTH_EVENTS_RETENTION),
      cleanupInterval: seconds(env.AUTH_CLEANUP_INTERVAL),
      refreshTransport: env.AUTH_REFRESH_TRANSPORT as 'body' | 'cookie' | 'both' | undefined,
      cookieSecure: parseBoolean(env.AUTH_COOKIE_SECURE),
      allowedOrigins: list(env.CORS_ORIGINS),
      loginRateLimit: int(env.AUTH_LOGIN_RATE_LIMIT),
      refreshRateLimit: int(env.AUTH_REFRESH_RATE_LIMIT),
      lockoutThreshold: int(env.AUTH_LOCKOUT_THRESHOLD),
      requireVerifiedEmail: parseBoolean(env.AUTH_REQUIRE_VERIFIED_EMAIL),
      feedToken: env.AUTH_FEED_TOKEN,
      feedMaxClients: int(env.AUTH_FEED_MAX_CLIENTS),
      argon2Concurrency: int(env.AUTH_ARGON2_CONCURRENCY),
      argon2QueueLimit: int(env.AUTH_ARGON2_QUEUE_LIMIT),
      argon2: {
        memoryCost: int(env.AUTH_ARGON2_MEMORY_KIB),
        timeCost: int(env.AUTH_ARGON2_ITERATIONS),
        parallelism: int(env.AUTH_ARGON2_PARALLELISM),
      },
    },
    jwt: {
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      algorithm: env.JWT_ALGORITHM as 'ES256' | 'RS256' | undefined,
      privateKeyPem: env.JWT_PRIVATE_KEY,
      keysDir: env.JWT_KEYS_DIR,
    },
    refreshKey: { inline: env.AUTH_REFRESH_KEY, file: env.AUTH_REFRESH_KEY_FILE },
    mfa: {
      issuer: env.AUTH_MFA_ISSUER,
      adminRequireMfa: parseBoolean(env.AUTH_ADMIN_REQUIRE_MFA),
      inline: env.AUTH_MFA_KEY,
      file: env.AUTH_MFA_KEY_FILE,
    },
    mail: {
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
      appUrl: env.APP_URL,
      verifyTtl: seconds(env.AUTH_VERIFY_TTL),
      resetTtl: seconds(env.AUTH_RESET_TTL),
      interval: seconds(env.AUTH_MAIL_INTERVAL),
    },
    passkeys: {
      rpId: env.WEBAUTHN_RP_ID,
      rpName: env.WEBAUTHN_RP_NAME,
      origins: env.WEBAUTHN_ORIGINS === undefined ? undefined : list(env.WEBAUTHN_ORIGINS),
      limit: int(env.AUTH_PASSKEY_LIMIT),
    },
    redis: { url: env.REDIS_URL },
    metrics: { port: int(env.METRICS_PORT), host: env.HOST },
    federation: federationFromEnv(raw, production),
  };
}

/** The resolved settings of the environment (for the command-line tools). */
export const latchSettingsFromEnv = (raw: NodeJS.ProcessEnv = process.env) =>
  resolveLatchOptions(latchOptionsFromEnv(raw));

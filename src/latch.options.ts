import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ConfigurationError } from './config/configuration-error';
import { type FederationOptions, resolveFederation } from './auth/federation/federation-settings';
import { checkLatchSettings } from './latch.options-rules';
import type {
  AuthSettings,
  DatabaseSettings,
  JwtSettings,
  KeyRingSettings,
  LatchSettings,
  MailSettings,
  MetricsSettings,
  MfaSettings,
  RedisSettings,
} from './latch.settings';

type Partially<T> = { [K in keyof T]?: T[K] extends object ? Partially<T[K]> : T[K] };

/**
 * What `LatchModule.forRoot()` takes: every member optional, each default the same as the
 * standalone service's environment variable (docs/configuration.md, docs/library.md).
 * Durations are seconds.
 */
export interface LatchOptions {
  production?: boolean;
  dataDir?: string;
  logLevel?: string;
  database?: Partially<DatabaseSettings>;
  auth?: Partially<Omit<AuthSettings, 'allowedOrigins'>> & { allowedOrigins?: string[] };
  jwt?: Partially<Omit<JwtSettings, 'clockToleranceSeconds'>>;
  refreshKey?: Partial<KeyRingSettings>;
  mfa?: Partial<MfaSettings>;
  mail?: Partial<MailSettings>;
  redis?: RedisSettings;
  /** Sign-in with identity providers (OpenID Connect, GitHub). */
  federation?: FederationOptions;
  requireGuards?: 'latch' | 'all';
  metrics?: Partial<MetricsSettings>;
}

const DEFAULT_DATA_DIR = './.data';

/** The options with their defaults, checked: a bad value throws a ConfigurationError naming it. */
export function resolveLatchOptions(
  options: LatchOptions = {},
  { hostDataSource = false } = {},
): LatchSettings {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('Invalid Latch options: expected an object');
  }
  const production = options.production ?? false;
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const keysDir = resolve(dataDir, 'keys');
  const cores = availableParallelism();
  const { auth = {}, jwt = {}, database = {}, mfa = {}, mail = {}, refreshKey = {} } = options;
  const settings: LatchSettings = {
    production,
    dataDir,
    logLevel: options.logLevel ?? 'info',
    database: {
      url: database.url,
      poolSize: database.poolSize ?? 10,
      migrateOnStart: database.migrateOnStart ?? true,
      schema: database.schema ?? 'public',
    },
    auth: {
      accessTtl: auth.accessTtl ?? 900,
      refreshTtl: auth.refreshTtl ?? 1_209_600,
      sessionMaxAge: auth.sessionMaxAge ?? 2_592_000,
      reuseGrace: auth.reuseGrace ?? 10,
      retention: auth.retention ?? 604_800,
      eventsRetention: auth.eventsRetention ?? 7_776_000,
      cleanupInterval: auth.cleanupInterval ?? 3600,
      refreshTransport: auth.refreshTransport ?? 'both',
      // docs/api.md: Secure in production, or anywhere when asked for.
      cookieSecure: production || (auth.cookieSecure ?? false),
      allowedOrigins: auth.allowedOrigins ?? [],
      loginRateLimit: auth.loginRateLimit ?? 10,
      refreshRateLimit: auth.refreshRateLimit ?? 600,
      lockoutThreshold: auth.lockoutThreshold ?? 5,
      requireVerifiedEmail: auth.requireVerifiedEmail ?? false,
      argon2Concurrency: auth.argon2Concurrency ?? cores,
      argon2QueueLimit: auth.argon2QueueLimit ?? 32 * cores,
      feedToken: auth.feedToken,
      feedMaxClients: auth.feedMaxClients ?? 64,
      argon2: {
        memoryCost: auth.argon2?.memoryCost ?? 19456,
        timeCost: auth.argon2?.timeCost ?? 2,
        parallelism: auth.argon2?.parallelism ?? 1,
      },
    },
    jwt: {
      issuer: jwt.issuer ?? 'latch',
      audience: jwt.audience ?? 'latch-api',
      algorithm: jwt.algorithm ?? 'ES256',
      privateKeyPem: jwt.privateKeyPem,
      keysDir: jwt.keysDir ? resolve(jwt.keysDir) : undefined,
      devKeysDir: resolve(jwt.devKeysDir ?? keysDir),
      clockToleranceSeconds: 30,
    },
    refreshKey: {
      inline: refreshKey.inline,
      file: refreshKey.file ? resolve(refreshKey.file) : undefined,
      devFile: resolve(refreshKey.devFile ?? resolve(keysDir, 'refresh.keys')),
    },
    mfa: {
      issuer: mfa.issuer ?? 'Latch',
      adminRequireMfa: mfa.adminRequireMfa ?? false,
      inline: mfa.inline,
      file: mfa.file ? resolve(mfa.file) : undefined,
      devFile: resolve(mfa.devFile ?? resolve(keysDir, 'mfa.keys')),
    },
    mail: {
      smtpUrl: mail.smtpUrl,
      transport: mail.transport,
      from: mail.from ?? 'Latch <no-reply@localhost>',
      appUrl: (mail.appUrl ?? 'http://localhost:3000').replace(/\/+$/, ''),
      fileDir: resolve(mail.fileDir ?? resolve(dataDir, 'mail')),
      verifyTtl: mail.verifyTtl ?? 86_400,
      resetTtl: mail.resetTtl ?? 1800,
      interval: mail.interval ?? 60,
    },
    redis: { url: options.redis?.url },
    federation: resolveFederation(options.federation),
    requireGuards: options.requireGuards ?? 'latch',
    metrics: {
      enabled: options.metrics?.enabled ?? options.metrics?.port !== undefined,
      port: options.metrics?.port,
      host: options.metrics?.host ?? '127.0.0.1',
      defaultMetrics: options.metrics?.defaultMetrics ?? true,
    },
  };
  checkLatchSettings(settings, { hostDataSource });
  return settings;
}

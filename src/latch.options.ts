import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ConfigurationError } from './config/configuration-error';
import { type FederationOptions, resolveFederation } from './auth/federation/federation-settings';
import { checkLatchSettings, isUnderRpId } from './latch.options-rules';
import type {
  AuthSettings,
  DatabaseSettings,
  JwtSettings,
  KeyRingSettings,
  LatchSettings,
  MailSettings,
  MetricsSettings,
  MfaSettings,
  PasskeySettings,
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
  passkeys?: Partial<PasskeySettings>;
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
  const appUrl = (mail.appUrl ?? 'http://localhost:3000').replace(/\/+$/, '');
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
      appUrl,
      fileDir: resolve(mail.fileDir ?? resolve(dataDir, 'mail')),
      verifyTtl: mail.verifyTtl ?? 86_400,
      resetTtl: mail.resetTtl ?? 1800,
      interval: mail.interval ?? 60,
    },
    passkeys: resolvePasskeys(options.passkeys ?? {}, appUrl, auth.allowedOrigins ?? []),
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

/** The URL's origin and host name; undefined for what is not an http(s) URL (checked later). */
function originOf(url: string): { origin: string; host: string } | undefined {
  try {
    const parsed = new URL(url);
    return { origin: parsed.origin, host: parsed.hostname };
  } catch {
    return undefined;
  }
}

/**
 * By default the relying party is APP_URL's host, and the accepted origins are APP_URL's plus
 * those of CORS_ORIGINS that the relying-party id covers (a CORS origin on another site could
 * never use these passkeys, so it is left out rather than refused).
 */
function resolvePasskeys(
  passkeys: Partial<PasskeySettings>,
  appUrl: string,
  allowedOrigins: string[],
): PasskeySettings {
  const app = originOf(appUrl);
  const rpId = passkeys.rpId ?? app?.host ?? 'localhost';
  const origins =
    passkeys.origins ??
    [appUrl, ...allowedOrigins]
      .map(originOf)
      .filter((parsed) => parsed !== undefined && isUnderRpId(parsed.host, rpId))
      .map((parsed) => parsed!.origin);
  return {
    rpId,
    rpName: passkeys.rpName ?? 'Latch',
    origins: Array.isArray(origins) ? [...new Set(origins)] : origins,
    limit: passkeys.limit ?? 10,
  };
}

import type { MailTransport } from './accounts/mail/mail-transport';
import type { FederationSettings } from './auth/federation/federation-settings';

/**
 * What Latch runs with once its options are resolved: every value present, defaults applied
 * and checked (latch.options.ts). Each slice is provided under its own token, so a service
 * asks for the part it uses: `@Inject(AUTH_SETTINGS) auth: AuthSettings`.
 */
export interface LatchSettings {
  /** Production refuses development keys and generated key rings. */
  production: boolean;
  /** Where the embedded database, development keys and mail files live. */
  dataDir: string;
  /** The level of what Latch logs before Nest's logger is up (database retries). */
  logLevel: string;
  database: DatabaseSettings;
  auth: AuthSettings;
  jwt: JwtSettings;
  refreshKey: KeyRingSettings;
  mfa: MfaSettings;
  mail: MailSettings;
  passkeys: PasskeySettings;
  redis: RedisSettings;
  metrics: MetricsSettings;
  /** The identity providers and the service's external URL for their redirect URIs. */
  federation: FederationSettings;
  /**
   * Which routes the start-up check requires to be guarded or `@Public()`: Latch's own
   * (`'latch'`, the default) or every route of the application (`'all'`).
   */
  requireGuards: 'latch' | 'all';
}

export interface DatabaseSettings {
  /** A postgres:// URL; unset: the embedded PostgreSQL (PGlite) under `dataDir`. */
  url?: string;
  poolSize: number;
  migrateOnStart: boolean;
  /** The PostgreSQL schema of Latch's tables (`public` unless a host app keeps its own). */
  schema: string;
}

export interface AuthSettings {
  accessTtl: number;
  refreshTtl: number;
  sessionMaxAge: number;
  reuseGrace: number;
  retention: number;
  eventsRetention: number;
  cleanupInterval: number;
  refreshTransport: 'body' | 'cookie' | 'both';
  cookieSecure: boolean;
  /** Origins besides the service's own that may send the refresh cookie (CORS_ORIGINS). */
  allowedOrigins: string[];
  loginRateLimit: number;
  refreshRateLimit: number;
  lockoutThreshold: number;
  /** Register opens no session and login refuses (403 email_not_verified) until verified. */
  requireVerifiedEmail: boolean;
  /** Hashes allowed to run at once (default: one per core). */
  argon2Concurrency: number;
  /** Hashes allowed to wait for a slot; beyond this, 503 at once. */
  argon2QueueLimit: number;
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  /** The bearer of `GET /auth/revocations` (AUTH_FEED_TOKEN); unset: the route answers 404. */
  feedToken?: string;
  /** Open revocation feed streams per instance; past it, 503. */
  feedMaxClients: number;
}

export interface JwtSettings {
  issuer: string;
  audience: string;
  algorithm: 'ES256' | 'RS256';
  privateKeyPem?: string;
  keysDir?: string;
  /** Development keys are generated here when nothing is configured (outside production). */
  devKeysDir: string;
  clockToleranceSeconds: number;
}

/** A key ring kept outside the database: inline (oldest first) or in a file. */
export interface KeyRingSettings {
  inline?: string;
  file?: string;
  /** Generated outside production when neither is set. */
  devFile: string;
}

export interface MfaSettings extends KeyRingSettings {
  issuer: string;
  /** Every route of the `admin` role requires a session verified with the second factor. */
  adminRequireMfa: boolean;
}

export interface MailSettings {
  /** Unset (and no `transport`): each mail becomes an .eml file under `fileDir`. */
  smtpUrl?: string;
  /** A transport of the host's own; wins over `smtpUrl`. */
  transport?: MailTransport;
  from: string;
  appUrl: string;
  fileDir: string;
  verifyTtl: number;
  resetTtl: number;
  interval: number;
}

/** WebAuthn (docs/passkeys.md): who the relying party is, and which pages may use it. */
export interface PasskeySettings {
  /** The relying-party id: a registrable domain suffix of every origin (default APP_URL's host). */
  rpId: string;
  /** Shown by the authenticator. */
  rpName: string;
  /** Origins accepted in `clientDataJSON.origin`. */
  origins: string[];
  /** Passkeys per account. */
  limit: number;
}

export interface RedisSettings {
  /** Shared rate-limit counters; unset: in memory, per instance. */
  url?: string;
}

/** Prometheus metrics (src/metrics/), in a registry of Latch's own, never the global one. */
export interface MetricsSettings {
  /** Collect Latch's metrics (default: whether `port` is set). */
  enabled: boolean;
  /** Serve `GET /metrics` on this port, on a listener of its own; unset: not served. */
  port?: number;
  /** The address of that listener (the standalone's HOST). */
  host: string;
  /** Also the standard process_* and nodejs_* metrics, in Latch's registry. */
  defaultMetrics: boolean;
}

export const LATCH_SETTINGS = Symbol('LATCH_SETTINGS');
export const DATABASE_SETTINGS = Symbol('DATABASE_SETTINGS');
export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');
export const JWT_SETTINGS = Symbol('JWT_SETTINGS');
export const REFRESH_KEY_SETTINGS = Symbol('REFRESH_KEY_SETTINGS');
export const MFA_SETTINGS = Symbol('MFA_SETTINGS');
export const MAIL_SETTINGS = Symbol('MAIL_SETTINGS');
export const PASSKEY_SETTINGS = Symbol('PASSKEY_SETTINGS');
export const REDIS_SETTINGS = Symbol('REDIS_SETTINGS');
export const METRICS_SETTINGS = Symbol('METRICS_SETTINGS');
export const FEDERATION_SETTINGS = Symbol('FEDERATION_SETTINGS');

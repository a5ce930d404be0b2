import { plainToInstance } from 'class-transformer';
import {
  IsBooleanString,
  IsIn,
  IsInt,
  IsNumberString,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  validateSync,
  ValidationError,
} from 'class-validator';
import { Type } from 'class-transformer';
import { isDuration, parseDuration } from './duration';
import { isTrustProxy, parseTrustProxy, TRUST_PROXY_MESSAGE } from './trust-proxy';
import { parseKeyRing } from './key-ring';
import { ConfigurationError } from './configuration-error';
import { FEED_TOKEN } from '../latch.options-rules';

/** A duration as parseDuration reads it (the one pattern lives in duration.ts). */
const IsDuration = () =>
  ValidateBy({
    name: 'isDuration',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isDuration(value),
      defaultMessage: () => 'must be a duration in seconds or in 15m / 1h / 14d form',
    },
  });
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Every environment variable Latch reads, with its rule. Defaults live in the config
 * namespaces; this class only says what a present value must look like.
 */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) METRICS_PORT?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) @Max(10_485_760) BODY_LIMIT?: number;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL?: string;
  @IsOptional()
  @ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isTrustProxy(value),
      defaultMessage: () => TRUST_PROXY_MESSAGE,
    },
  })
  TRUST_PROXY?: string;
  @IsOptional() @IsString() CORS_ORIGINS?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) DB_POOL_SIZE?: number;
  @IsOptional() @IsBooleanString() DB_MIGRATE_ON_START?: string;

  @IsOptional() @IsDuration() AUTH_ACCESS_TTL?: string;
  @IsOptional() @IsDuration() AUTH_REFRESH_TTL?: string;
  @IsOptional()
  @IsDuration()
  AUTH_SESSION_MAX_AGE?: string;
  @IsOptional() @IsDuration() AUTH_REUSE_GRACE?: string;
  @IsOptional() @IsDuration() AUTH_RETENTION?: string;
  @IsOptional()
  @IsDuration()
  AUTH_EVENTS_RETENTION?: string;
  @IsOptional()
  @IsDuration()
  AUTH_CLEANUP_INTERVAL?: string;
  @IsOptional() @IsIn(['body', 'cookie', 'both']) AUTH_REFRESH_TRANSPORT?: string;
  @IsOptional() @IsBooleanString() AUTH_COOKIE_SECURE?: string;
  @IsOptional() @IsNumberString({ no_symbols: true }) AUTH_LOGIN_RATE_LIMIT?: string;
  @IsOptional() @IsNumberString({ no_symbols: true }) AUTH_REFRESH_RATE_LIMIT?: string;
  @IsOptional() @IsNumberString({ no_symbols: true }) AUTH_LOCKOUT_THRESHOLD?: string;
  @IsOptional() @IsBooleanString() AUTH_REQUIRE_VERIFIED_EMAIL?: string;
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(8192)
  @Max(1_048_576)
  AUTH_ARGON2_MEMORY_KIB?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10) AUTH_ARGON2_ITERATIONS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(16) AUTH_ARGON2_PARALLELISM?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(64) AUTH_ARGON2_CONCURRENCY?: number;
  @IsOptional()
  @Matches(FEED_TOKEN, {
    message: 'must be at least 32 characters of A-Z a-z 0-9 - . _ ~ + / (then = padding)',
  })
  AUTH_FEED_TOKEN?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) AUTH_FEED_MAX_CLIENTS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100_000) AUTH_ARGON2_QUEUE_LIMIT?: number;

  @IsOptional() @IsString() JWT_ISSUER?: string;
  @IsOptional() @IsString() JWT_AUDIENCE?: string;
  @IsOptional() @IsIn(['ES256', 'RS256']) JWT_ALGORITHM?: string;
  @IsOptional()
  @Matches(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, { message: 'must be a PEM private key' })
  JWT_PRIVATE_KEY?: string;
  @IsOptional() @IsString() JWT_KEYS_DIR?: string;
  /** Checked by parseRefreshKeys (its messages never show a value), not by a decorator. */
  @IsOptional() @IsString() AUTH_REFRESH_KEY?: string;
  @IsOptional() @IsString() AUTH_REFRESH_KEY_FILE?: string;
  /** The key ring that encrypts TOTP secrets; checked like AUTH_REFRESH_KEY. */
  @IsOptional() @IsString() AUTH_MFA_KEY?: string;
  @IsOptional() @IsString() AUTH_MFA_KEY_FILE?: string;
  @IsOptional()
  @MaxLength(64)
  @Matches(/^[^:\r\n]+$/, { message: 'must be one line without ":"' })
  AUTH_MFA_ISSUER?: string;
  @IsOptional() @IsBooleanString() AUTH_ADMIN_REQUIRE_MFA?: string;

  @IsOptional() @Matches(/^rediss?:\/\//, { message: 'must be a redis:// URL' }) REDIS_URL?: string;

  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s/?#]+\/?(\?[^\s#]*)?$/, {
    message: 'must be an smtp:// or smtps:// URL',
  })
  SMTP_URL?: string;
  @IsOptional()
  @MaxLength(320)
  @Matches(/^[^\r\n]*@[^\r\n]+$/, {
    message: 'must be an address such as Latch <no-reply@example.com>',
  })
  MAIL_FROM?: string;
  @IsOptional()
  @Matches(/^https?:\/\/[^\s?#]+$/, {
    message: 'must be an http:// or https:// URL without query or fragment',
  })
  APP_URL?: string;
  @IsOptional() @IsDuration() AUTH_VERIFY_TTL?: string;
  @IsOptional() @IsDuration() AUTH_RESET_TTL?: string;
  @IsOptional() @IsDuration() AUTH_MAIL_INTERVAL?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s?#]+$/, {
    message: 'must be an http:// or https:// URL without query or fragment',
  })
  PUBLIC_URL?: string;
  /** The per-provider AUTH_OIDC_<ID>_* variables are checked by config/oidc-providers.ts. */
  @IsOptional()
  @Matches(/^\s*[a-z0-9-]{1,32}\s*(,\s*[a-z0-9-]{1,32}\s*)*$/, {
    message: 'must be a comma-separated list of ids of [a-z0-9-]{1,32}',
  })
  AUTH_OIDC_PROVIDERS?: string;

  @IsOptional()
  @Matches(/^[a-z0-9.-]{1,253}$/, { message: 'must be a lower-case host name such as example.com' })
  WEBAUTHN_RP_ID?: string;
  @IsOptional() @IsString() @MaxLength(64) WEBAUTHN_RP_NAME?: string;
  @IsOptional()
  @Matches(/^\s*https?:\/\/[a-z0-9.-]+(:\d{1,5})?\s*(,\s*https?:\/\/[a-z0-9.-]+(:\d{1,5})?\s*)*$/, {
    message: 'must be a comma-separated list of origins such as https://app.example.com',
  })
  WEBAUTHN_ORIGINS?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) AUTH_PASSKEY_LIMIT?: number;
}

export { ConfigurationError };

/**
 * Variables whose value can carry a key, a password or credentials inside a URL
 * (JWT_PRIVATE_KEY, DATABASE_URL, REDIS_URL, and any later *_KEY, *_SECRET, *_URL...): a
 * refused value is never echoed, since the message goes to stderr and on to the logs.
 */
const MAY_HOLD_SECRET = /KEY|SECRET|PASSWORD|PASS|TOKEN|URL|CREDENTIAL/;

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {}).map((m) =>
    m.replace(`${error.property} `, ''),
  );
  const reason = `${error.property} ${reasons[0] ?? 'is invalid'}`;
  if (MAY_HOLD_SECRET.test(error.property)) return `${reason} (value not shown)`;
  const shown = typeof error.value === 'string' ? JSON.stringify(error.value) : String(error.value);
  return `${reason} (got ${shown})`;
}

/** Checks the whole environment once; throws ConfigurationError on the first bad variable. */
export function validateEnvironment(raw: NodeJS.ProcessEnv = process.env): EnvironmentVariables {
  const present = Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''),
  );
  const env = plainToInstance(EnvironmentVariables, present);
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new ConfigurationError(`Invalid configuration: ${describe(errors[0])}`);
  }
  const isProduction = env.NODE_ENV === 'production';
  if (isProduction && !env.JWT_PRIVATE_KEY && !env.JWT_KEYS_DIR) {
    throw new ConfigurationError(
      'Invalid configuration: JWT_PRIVATE_KEY or JWT_KEYS_DIR must be set when NODE_ENV=production',
    );
  }
  if (isProduction && !env.DATABASE_URL) {
    throw new ConfigurationError(
      'Invalid configuration: DATABASE_URL must be set when NODE_ENV=production (the embedded database is for development only)',
    );
  }
  if (isProduction && parseTrustProxy(env.TRUST_PROXY) === true) {
    throw new ConfigurationError(
      'Invalid configuration: TRUST_PROXY=true (trust every hop, so any client can choose its own address) is refused when NODE_ENV=production; list the proxies (addresses or CIDR ranges) or give a hop count',
    );
  }
  if (
    env.METRICS_PORT !== undefined &&
    env.METRICS_PORT !== 0 &&
    env.METRICS_PORT === (env.PORT ?? 3000)
  ) {
    throw new ConfigurationError(
      'Invalid configuration: METRICS_PORT must differ from PORT (metrics are never served on the API port)',
    );
  }
  for (const name of [
    'AUTH_ACCESS_TTL',
    'AUTH_REFRESH_TTL',
    'AUTH_SESSION_MAX_AGE',
    'AUTH_VERIFY_TTL',
    'AUTH_RESET_TTL',
  ] as const) {
    const value = env[name];
    if (value !== undefined && isDuration(value) && parseDuration(value) === 0) {
      throw new ConfigurationError(`Invalid configuration: ${name} must be greater than zero`);
    }
  }
  checkKeyRingSettings(env, isProduction, 'AUTH_REFRESH_KEY', 'AUTH_REFRESH_KEY_FILE');
  checkKeyRingSettings(env, isProduction, 'AUTH_MFA_KEY', 'AUTH_MFA_KEY_FILE');
  return env;
}

/**
 * The refresh derivation key and the TOTP encryption key live outside the database:
 * inline or in a file, never both, and required in production.
 */
function checkKeyRingSettings(
  env: EnvironmentVariables,
  isProduction: boolean,
  inline: 'AUTH_REFRESH_KEY' | 'AUTH_MFA_KEY',
  file: 'AUTH_REFRESH_KEY_FILE' | 'AUTH_MFA_KEY_FILE',
): void {
  if (env[inline] && env[file]) {
    throw new ConfigurationError(`Invalid configuration: set ${inline} or ${file}, not both`);
  }
  const value = env[inline];
  if (value) {
    try {
      parseKeyRing(value, inline);
    } catch (error) {
      throw new ConfigurationError(`Invalid configuration: ${(error as Error).message}`);
    }
  } else if (isProduction && !env[file]) {
    throw new ConfigurationError(
      `Invalid configuration: ${inline} or ${file} must be set when NODE_ENV=production`,
    );
  }
}

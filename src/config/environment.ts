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
  Min,
  validateSync,
  ValidationError,
} from 'class-validator';
import { Type } from 'class-transformer';
import { isDuration } from './duration';
import { parseRefreshKeys } from './refresh-keys';

const DURATION_PATTERN = /^\s*\d{1,9}[smhd]?\s*$/;
const DURATION_MESSAGE = 'must be a duration in seconds or in 15m / 1h / 14d form';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Every environment variable Latch reads, with its rule. Defaults live in the config
 * namespaces; this class only says what a present value must look like.
 */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) @Max(10_485_760) BODY_LIMIT?: number;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL?: string;
  @IsOptional() @IsBooleanString() TRUST_PROXY?: string;
  @IsOptional() @IsString() CORS_ORIGINS?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) DB_POOL_SIZE?: number;
  @IsOptional() @IsBooleanString() DB_MIGRATE_ON_START?: string;

  @IsOptional() @Matches(DURATION_PATTERN, { message: DURATION_MESSAGE }) AUTH_ACCESS_TTL?: string;
  @IsOptional() @Matches(DURATION_PATTERN, { message: DURATION_MESSAGE }) AUTH_REFRESH_TTL?: string;
  @IsOptional()
  @Matches(DURATION_PATTERN, { message: DURATION_MESSAGE })
  AUTH_SESSION_MAX_AGE?: string;
  @IsOptional() @Matches(DURATION_PATTERN, { message: DURATION_MESSAGE }) AUTH_REUSE_GRACE?: string;
  @IsOptional() @Matches(DURATION_PATTERN, { message: DURATION_MESSAGE }) AUTH_RETENTION?: string;
  @IsOptional()
  @Matches(DURATION_PATTERN, { message: DURATION_MESSAGE })
  AUTH_EVENTS_RETENTION?: string;
  @IsOptional()
  @Matches(DURATION_PATTERN, { message: DURATION_MESSAGE })
  AUTH_CLEANUP_INTERVAL?: string;
  @IsOptional() @IsIn(['body', 'cookie', 'both']) AUTH_REFRESH_TRANSPORT?: string;
  @IsOptional() @IsBooleanString() AUTH_COOKIE_SECURE?: string;
  @IsOptional() @IsNumberString({ no_symbols: true }) AUTH_LOGIN_RATE_LIMIT?: string;
  @IsOptional() @IsNumberString({ no_symbols: true }) AUTH_REFRESH_RATE_LIMIT?: string;
  @IsOptional() @IsNumberString({ no_symbols: true }) AUTH_LOCKOUT_THRESHOLD?: string;
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(8192)
  @Max(1_048_576)
  AUTH_ARGON2_MEMORY_KIB?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10) AUTH_ARGON2_ITERATIONS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(16) AUTH_ARGON2_PARALLELISM?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(64) AUTH_ARGON2_CONCURRENCY?: number;

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

  @IsOptional() @Matches(/^rediss?:\/\//, { message: 'must be a redis:// URL' }) REDIS_URL?: string;
}

/** Thrown when the environment is invalid; its message is one line naming the variable. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {}).map((m) =>
    m.replace(`${error.property} `, ''),
  );
  const shown = typeof error.value === 'string' ? JSON.stringify(error.value) : String(error.value);
  return `${error.property} ${reasons[0] ?? 'is invalid'} (got ${shown})`;
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
  for (const name of ['AUTH_ACCESS_TTL', 'AUTH_REFRESH_TTL', 'AUTH_SESSION_MAX_AGE'] as const) {
    const value = env[name];
    if (value !== undefined && isDuration(value) && /^\s*0+[smhd]?\s*$/.test(value)) {
      throw new ConfigurationError(`Invalid configuration: ${name} must be greater than zero`);
    }
  }
  checkRefreshKeySettings(env, isProduction);
  return env;
}

/** The refresh-token derivation key lives outside the database: required in production. */
function checkRefreshKeySettings(env: EnvironmentVariables, isProduction: boolean): void {
  if (env.AUTH_REFRESH_KEY && env.AUTH_REFRESH_KEY_FILE) {
    throw new ConfigurationError(
      'Invalid configuration: set AUTH_REFRESH_KEY or AUTH_REFRESH_KEY_FILE, not both',
    );
  }
  if (env.AUTH_REFRESH_KEY) {
    try {
      parseRefreshKeys(env.AUTH_REFRESH_KEY, 'AUTH_REFRESH_KEY');
    } catch (error) {
      throw new ConfigurationError(`Invalid configuration: ${(error as Error).message}`);
    }
  } else if (isProduction && !env.AUTH_REFRESH_KEY_FILE) {
    throw new ConfigurationError(
      'Invalid configuration: AUTH_REFRESH_KEY or AUTH_REFRESH_KEY_FILE must be set when NODE_ENV=production',
    );
  }
}

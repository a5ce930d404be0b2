import { ConfigurationError } from './config/configuration-error';
import { federationProblems } from './auth/federation/federation-settings';
import { parseKeyRing } from './config/key-ring';
import type { KeyRingSettings, LatchSettings } from './latch.settings';

/** Whether a host is the relying-party id or one of its subdomains (WebAuthn's rule). */
export const isUnderRpId = (host: string, rpId: string) =>
  host === rpId || host.endsWith(`.${rpId}`);

type Check = (value: unknown) => boolean;

/** What a Bearer header can carry (RFC 6750 b64token), long enough not to be guessed. */
export const FEED_TOKEN = /^[A-Za-z0-9\-._~+/]{32,}=*$/;

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (value) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const oneOf =
  (...allowed: unknown[]): Check =>
  (value) =>
    allowed.includes(value);
const matches =
  (pattern: RegExp): Check =>
  (value) =>
    typeof value === 'string' && pattern.test(value);
const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined || check(value);
const isBoolean: Check = (value) => typeof value === 'boolean';
const nonEmpty: Check = (value) => typeof value === 'string' && value.trim().length > 0;
const strings: Check = (value) =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** scheme://host[:port], nothing after it: the form of `clientDataJSON.origin`. */
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;

const between = (min: number, max: number) => `must be an integer from ${min} to ${max}`;
const POSITIVE = 'must be a whole number of seconds greater than zero';
const NOT_NEGATIVE = 'must be a whole number, zero or more';

/** [path, check, what a good value looks like, whether the value may be shown]. */
type Rule = [path: string, check: Check, message: string, secret?: true];

const RULES: Rule[] = [
  ['production', isBoolean, 'must be true or false'],
  [
    'logLevel',
    oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    'must be a pino level',
  ],
  ['database.url', optional(matches(/^postgres(ql)?:\/\//)), 'must be a postgres:// URL', true],
  ['database.poolSize', int(1, 200), between(1, 200)],
  ['database.migrateOnStart', isBoolean, 'must be true or false'],
  [
    'database.schema',
    matches(/^[a-z_][a-z0-9_]{0,62}$/),
    'must be a plain PostgreSQL schema name (lower case, digits, _)',
  ],
  ['auth.accessTtl', int(1), POSITIVE],
  ['auth.refreshTtl', int(1), POSITIVE],
  ['auth.sessionMaxAge', int(1), POSITIVE],
  ['auth.reuseGrace', int(0), NOT_NEGATIVE],
  ['auth.retention', int(0), NOT_NEGATIVE],
  ['auth.eventsRetention', int(0), NOT_NEGATIVE],
  ['auth.cleanupInterval', int(0), NOT_NEGATIVE],
  ['auth.refreshTransport', oneOf('body', 'cookie', 'both'), 'must be body, cookie or both'],
  ['auth.cookieSecure', isBoolean, 'must be true or false'],
  ['auth.allowedOrigins', strings, 'must be a list of origins'],
  ['auth.loginRateLimit', int(0), NOT_NEGATIVE],
  ['auth.refreshRateLimit', int(0), NOT_NEGATIVE],
  ['auth.lockoutThreshold', int(0), NOT_NEGATIVE],
  ['auth.requireVerifiedEmail', isBoolean, 'must be true or false'],
  [
    'auth.feedToken',
    optional(matches(FEED_TOKEN)),
    'must be at least 32 characters of A-Z a-z 0-9 - . _ ~ + / (then = padding)',
    true,
  ],
  ['auth.feedMaxClients', int(1, 10_000), between(1, 10_000)],
  ['auth.argon2Concurrency', int(1, 64), between(1, 64)],
  ['auth.argon2QueueLimit', int(0, 100_000), between(0, 100_000)],
  ['auth.argon2.memoryCost', int(8192, 1_048_576), between(8192, 1_048_576)],
  ['auth.argon2.timeCost', int(1, 10), between(1, 10)],
  ['auth.argon2.parallelism', int(1, 16), between(1, 16)],
  ['jwt.issuer', nonEmpty, 'must be a non-empty string'],
  ['jwt.audience', nonEmpty, 'must be a non-empty string'],
  ['jwt.algorithm', oneOf('ES256', 'RS256'), 'must be ES256 or RS256'],
  [
    'jwt.privateKeyPem',
    optional(matches(/-----BEGIN [A-Z ]*PRIVATE KEY-----/)),
    'must be a PEM private key',
    true,
  ],
  [
    'mfa.issuer',
    matches(/^[^:\r\n]{1,64}$/),
    'must be one line of at most 64 characters without ":"',
  ],
  ['mfa.adminRequireMfa', isBoolean, 'must be true or false'],
  [
    'passkeys.rpId',
    matches(
      /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    ),
    'must be a lower-case host name such as example.com',
  ],
  // eslint-disable-next-line no-control-regex -- the control characters are what it refuses
  ['passkeys.rpName', matches(/^[^\x00-\x1f\x7f]{1,64}$/), 'must be 1 to 64 characters'],
  [
    'passkeys.origins',
    (value) =>
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((item) => typeof item === 'string' && ORIGIN.test(item)),
    'must be a non-empty list of origins such as https://app.example.com',
  ],
  ['passkeys.limit', int(1, 100), between(1, 100)],
  ['redis.url', optional(matches(/^rediss?:\/\//)), 'must be a redis:// URL', true],
  [
    'mail.smtpUrl',
    optional(matches(/^smtps?:\/\/[^\s/?#]+\/?(\?[^\s#]*)?$/)),
    'must be an smtp:// or smtps:// URL',
    true,
  ],
  [
    'mail.from',
    (value) =>
      typeof value === 'string' && value.length <= 320 && /^[^\r\n]*@[^\r\n]+$/.test(value),
    'must be an address such as Latch <no-reply@example.com>',
  ],
  [
    'mail.appUrl',
    matches(/^https?:\/\/[^\s?#]+$/),
    'must be an http:// or https:// URL without query or fragment',
  ],
  ['mail.verifyTtl', int(1), POSITIVE],
  ['mail.resetTtl', int(1), POSITIVE],
  ['mail.interval', int(0), NOT_NEGATIVE],
  ['requireGuards', oneOf('latch', 'all'), 'must be latch or all'],
  ['metrics.enabled', isBoolean, 'must be true or false'],
  ['metrics.port', optional(int(0, 65535)), between(0, 65535)],
  ['metrics.host', nonEmpty, 'must be a non-empty string'],
  ['metrics.defaultMetrics', isBoolean, 'must be true or false'],
];

const at = (settings: LatchSettings, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], settings);

const refuse = (message: string): never => {
  throw new ConfigurationError(`Invalid Latch options: ${message}`);
};

/**
 * The same rules as the environment's (config/environment.ts), on typed values: a refused
 * value is named by its path and, unless it may hold a secret, shown.
 */
export function checkLatchSettings(
  settings: LatchSettings,
  { hostDataSource }: { hostDataSource: boolean },
): void {
  for (const [path, check, message, secret] of RULES) {
    const value = at(settings, path);
    if (!check(value)) {
      refuse(`${path} ${message} (${secret ? 'value not shown' : `got ${JSON.stringify(value)}`})`);
    }
  }
  if (settings.production) {
    if (!settings.jwt.privateKeyPem && !settings.jwt.keysDir) {
      refuse('jwt.privateKeyPem or jwt.keysDir must be set in production');
    }
    if (!settings.database.url && !hostDataSource) {
      refuse('database.url must be set in production (the embedded database is for development)');
    }
  }
  const { rpId, origins } = settings.passkeys;
  for (const origin of origins) {
    if (!isUnderRpId(new URL(origin).hostname, rpId)) {
      refuse(`passkeys.origins: ${origin} is not ${rpId} or a subdomain of it (passkeys.rpId)`);
    }
  }
  if (settings.metrics.port !== undefined && !settings.metrics.enabled) {
    refuse('metrics.port is set but metrics.enabled is false');
  }
  checkKeyRing('refreshKey', settings.refreshKey, settings.production);
  checkKeyRing('mfa', settings.mfa, settings.production);
  const [federation] = federationProblems(settings.federation, settings.production);
  if (federation) refuse(federation);
}

function checkKeyRing(name: string, ring: KeyRingSettings, production: boolean): void {
  if (ring.inline && ring.file) refuse(`set ${name}.inline or ${name}.file, not both`);
  if (ring.inline) {
    try {
      parseKeyRing(ring.inline, `${name}.inline`);
    } catch (error) {
      refuse((error as Error).message);
    }
  } else if (production && !ring.file) {
    refuse(`${name}.inline or ${name}.file must be set in production`);
  }
}

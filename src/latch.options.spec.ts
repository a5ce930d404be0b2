import 'reflect-metadata';
import { ConfigurationError } from './config/environment';
import { PEM, PRODUCTION } from './config/environment.spec-helpers';
import { latchOptionsFromEnv, latchSettingsFromEnv } from './config/namespaces';
import { type LatchOptions, resolveLatchOptions } from './latch.options';

/** The message of the error resolveLatchOptions throws, or undefined when it accepts. */
function refusal(options: LatchOptions, extras?: { hostDataSource?: boolean }): string | undefined {
  try {
    resolveLatchOptions(options, extras);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
}

describe('LatchModule options', () => {
  it('has the same defaults as the environment the standalone service reads', () => {
    // Only what the environment leaves unset: the module's defaults decide both ways.
    expect(latchSettingsFromEnv({ NODE_ENV: 'test' })).toEqual(resolveLatchOptions({}));
  });

  it('defaults to what docs/configuration.md promises', () => {
    const settings = resolveLatchOptions({});
    expect(settings.auth).toMatchObject({
      accessTtl: 900,
      refreshTtl: 1_209_600,
      sessionMaxAge: 2_592_000,
      reuseGrace: 10,
      refreshTransport: 'both',
      cookieSecure: false,
      loginRateLimit: 10,
      refreshRateLimit: 600,
      lockoutThreshold: 5,
      requireVerifiedEmail: false,
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
    });
    expect(settings.jwt).toMatchObject({
      issuer: 'latch',
      audience: 'latch-api',
      algorithm: 'ES256',
    });
    expect(settings.database).toMatchObject({
      poolSize: 10,
      migrateOnStart: true,
      schema: 'public',
    });
    expect(settings.mail.appUrl).toBe('http://localhost:3000');
    expect(settings.requireGuards).toBe('latch');
    expect(settings.metrics).toEqual({
      enabled: false,
      port: undefined,
      host: '127.0.0.1',
      defaultMetrics: true,
    });
  });

  it('maps every environment variable onto its option', () => {
    const options = latchOptionsFromEnv({
      AUTH_ACCESS_TTL: '5m',
      AUTH_REFRESH_TRANSPORT: 'cookie',
      AUTH_LOCKOUT_THRESHOLD: '3',
      AUTH_REQUIRE_VERIFIED_EMAIL: 'true',
      JWT_ISSUER: 'https://auth.example',
      DB_POOL_SIZE: '4',
      CORS_ORIGINS: 'https://app.example',
      APP_URL: 'https://app.example/',
      AUTH_ADMIN_REQUIRE_MFA: '1',
    });
    const settings = resolveLatchOptions(options);
    expect(settings.auth).toMatchObject({
      accessTtl: 300,
      refreshTransport: 'cookie',
      lockoutThreshold: 3,
      requireVerifiedEmail: true,
      allowedOrigins: ['https://app.example'],
    });
    expect(settings.jwt.issuer).toBe('https://auth.example');
    expect(settings.database.poolSize).toBe(4);
    expect(settings.mail.appUrl).toBe('https://app.example');
    expect(settings.mfa.adminRequireMfa).toBe(true);
  });

  it('derives the relying party from APP_URL and CORS_ORIGINS, or takes WEBAUTHN_*', () => {
    expect(resolveLatchOptions({}).passkeys).toEqual({
      rpId: 'localhost',
      rpName: 'Latch',
      origins: ['http://localhost:3000'],
      limit: 10,
    });
    const derived = latchSettingsFromEnv({
      APP_URL: 'https://app.example.com/',
      CORS_ORIGINS: 'https://admin.app.example.com,https://other.example',
    });
    // A CORS origin on another site could never use these passkeys: left out, not refused.
    expect(derived.passkeys).toMatchObject({
      rpId: 'app.example.com',
      origins: ['https://app.example.com', 'https://admin.app.example.com'],
    });
    const explicit = latchSettingsFromEnv({
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_RP_NAME: 'Example',
      WEBAUTHN_ORIGINS: 'https://example.com, https://app.example.com:8443',
      AUTH_PASSKEY_LIMIT: '3',
    });
    expect(explicit.passkeys).toEqual({
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://example.com', 'https://app.example.com:8443'],
      limit: 3,
    });
  });

  it('refuses origins the relying-party id does not cover, and bad passkey values', () => {
    expect(
      refusal({ passkeys: { rpId: 'example.com', origins: ['https://example.org'] } }),
    ).toMatch(/passkeys\.origins: https:\/\/example\.org is not example\.com/);
    // A suffix that is not a parent domain is no cover: notexample.com is not under example.com.
    expect(
      refusal({ passkeys: { rpId: 'example.com', origins: ['https://notexample.com'] } }),
    ).toMatch(/passkeys\.origins/);
    expect(refusal({ passkeys: { rpId: 'Example.COM' } })).toMatch(/passkeys\.rpId/);
    expect(refusal({ passkeys: { origins: [] } })).toMatch(/passkeys\.origins/);
    expect(refusal({ passkeys: { origins: ['https://localhost/path'] } })).toMatch(
      /passkeys\.origins/,
    );
    expect(refusal({ passkeys: { limit: 0 } })).toMatch(/passkeys\.limit/);
    expect(() => latchOptionsFromEnv({ WEBAUTHN_ORIGINS: 'app.example.com' })).toThrow(
      /WEBAUTHN_ORIGINS/,
    );
    expect(() => latchOptionsFromEnv({ AUTH_PASSKEY_LIMIT: '0' })).toThrow(/AUTH_PASSKEY_LIMIT/);
  });

  it('takes the revocation feed token (32 characters or more) and its client cap', () => {
    const token = 'f'.repeat(32);
    const settings = latchSettingsFromEnv({ AUTH_FEED_TOKEN: token, AUTH_FEED_MAX_CLIENTS: '8' });
    expect(settings.auth).toMatchObject({ feedToken: token, feedMaxClients: 8 });
    expect(resolveLatchOptions({}).auth).toMatchObject({
      feedToken: undefined,
      feedMaxClients: 64,
    });
    for (const weak of ['f'.repeat(31), `${'f'.repeat(32)} x`]) {
      const message = refusal({ auth: { feedToken: weak } });
      expect(message).toMatch(
        /^Invalid Latch options: auth\.feedToken must be at least 32 characters/,
      );
      expect(message).toContain('(value not shown)');
      expect(() => latchOptionsFromEnv({ AUTH_FEED_TOKEN: weak })).toThrow(
        /AUTH_FEED_TOKEN must be at least 32 characters .*\(value not shown\)$/,
      );
    }
    expect(refusal({ auth: { feedMaxClients: 0 } })).toMatch(/auth\.feedMaxClients/);
  });

  it('keeps the refresh cookie Secure in production whatever cookieSecure says', () => {
    const production = {
      production: true,
      jwt: { privateKeyPem: PEM },
      database: { url: 'postgres://db/latch' },
      refreshKey: { file: '/etc/latch/refresh.keys' },
      mfa: { file: '/etc/latch/mfa.keys' },
    };
    expect(
      resolveLatchOptions({ ...production, auth: { cookieSecure: false } }).auth.cookieSecure,
    ).toBe(true);
    expect(latchSettingsFromEnv(PRODUCTION).auth.cookieSecure).toBe(true);
  });

  it.each<[string, LatchOptions, RegExp]>([
    [
      'a negative TTL',
      { auth: { accessTtl: -1 } },
      /^Invalid Latch options: auth\.accessTtl .*\(got -1\)$/,
    ],
    [
      'a zero TTL',
      { auth: { refreshTtl: 0 } },
      /auth\.refreshTtl must be a whole number of seconds greater than zero/,
    ],
    ['a fractional count', { auth: { lockoutThreshold: 2.5 } }, /auth\.lockoutThreshold/],
    [
      'an unknown transport',
      { auth: { refreshTransport: 'header' as never } },
      /auth\.refreshTransport must be body, cookie or both \(got "header"\)/,
    ],
    [
      'an unknown algorithm',
      { jwt: { algorithm: 'HS256' as never } },
      /jwt\.algorithm must be ES256 or RS256/,
    ],
    [
      'weak argon2 memory',
      { auth: { argon2: { memoryCost: 1024 } } },
      /auth\.argon2\.memoryCost must be an integer from 8192/,
    ],
    [
      'a schema name that is SQL',
      { database: { schema: 'latch; DROP TABLE users' } },
      /database\.schema must be a plain PostgreSQL schema name/,
    ],
    ['an app URL with a query', { mail: { appUrl: 'https://app.example/?x=1' } }, /mail\.appUrl/],
    [
      'requireGuards of another kind',
      { requireGuards: 'some' as never },
      /requireGuards must be latch or all/,
    ],
    ['a metrics port out of range', { metrics: { port: 65536 } }, /metrics\.port must be/],
    [
      'a metrics port with metrics off',
      { metrics: { enabled: false, port: 9464 } },
      /metrics\.port is set but metrics\.enabled is false/,
    ],
    [
      'a string for a number',
      { database: { poolSize: '10' as never } },
      /database\.poolSize must be an integer from 1 to 200 \(got "10"\)/,
    ],
  ])('refuses %s, naming the option', (_case, options, message) => {
    expect(refusal(options)).toMatch(message);
  });

  it('never shows a value that may hold a secret', () => {
    const message = refusal({ database: { url: 'mysql://root:hunter2@db/latch' } });
    expect(message).toBe(
      'Invalid Latch options: database.url must be a postgres:// URL (value not shown)',
    );
    expect(refusal({ jwt: { privateKeyPem: 'hunter2' } })).not.toContain('hunter2');
    expect(refusal({ refreshKey: { inline: 'hunter2' } })).not.toContain('hunter2');
  });

  it('refuses in production what the environment refuses there', () => {
    expect(refusal({ production: true })).toMatch(/jwt\.privateKeyPem or jwt\.keysDir must be set/);
    const keyed = { production: true, jwt: { keysDir: '/etc/latch/jwt' } };
    expect(refusal(keyed)).toMatch(/database\.url must be set in production/);
    // A host's DataSource is not the embedded database.
    expect(refusal(keyed, { hostDataSource: true })).toMatch(
      /refreshKey\.inline or refreshKey\.file/,
    );
    expect(refusal({ refreshKey: { inline: 'x', file: '/k' } })).toMatch(/not both/);
  });
});

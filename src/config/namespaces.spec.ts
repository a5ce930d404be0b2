import { appConfig, latchSettingsFromEnv, parseBoolean } from './namespaces';

describe('config namespaces', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads booleans as the validation accepts them', () => {
    expect(parseBoolean('true')).toBe(true);
    expect(parseBoolean('1')).toBe(true);
    expect(parseBoolean('false')).toBe(false);
    expect(parseBoolean('0')).toBe(false);
    // unset: the module's default decides
    expect(parseBoolean(undefined)).toBeUndefined();
    expect(parseBoolean('')).toBeUndefined();
  });

  it('applies the documented defaults', () => {
    for (const key of Object.keys(process.env)) {
      if (/^(AUTH_|JWT_|PORT|HOST|BODY_LIMIT|TRUST_PROXY|CORS_ORIGINS)/.test(key)) {
        delete process.env[key];
      }
    }
    process.env.NODE_ENV = 'test';
    expect(latchSettingsFromEnv().auth).toMatchObject({
      accessTtl: 900,
      refreshTtl: 1_209_600,
      sessionMaxAge: 2_592_000,
      reuseGrace: 10,
      retention: 604_800,
      refreshTransport: 'both',
      cookieSecure: false,
      loginRateLimit: 10,
      lockoutThreshold: 5,
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
    });
    expect(appConfig()).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      bodyLimit: 16384,
      trustProxy: false,
      corsOrigins: [],
    });
  });

  it('parses durations and lists', () => {
    process.env.AUTH_ACCESS_TTL = '15m';
    process.env.AUTH_REFRESH_TTL = '14d';
    process.env.CORS_ORIGINS = ' https://a.example , https://b.example ,';
    process.env.TRUST_PROXY = '1';
    expect(latchSettingsFromEnv().auth.accessTtl).toBe(900);
    expect(latchSettingsFromEnv().auth.refreshTtl).toBe(1_209_600);
    expect(appConfig().corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(latchSettingsFromEnv().auth.allowedOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    // TRUST_PROXY: `1` is a hop count (it used to mean `true`, trust every hop).
    expect(appConfig().trustProxy).toBe(1);
    process.env.TRUST_PROXY = '10.0.0.0/8, 127.0.0.1';
    expect(appConfig().trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });

  it('turns metrics on with METRICS_PORT, on HOST; off without it', () => {
    expect(latchSettingsFromEnv().metrics).toMatchObject({ enabled: false, port: undefined });
    process.env.METRICS_PORT = '9464';
    process.env.HOST = '0.0.0.0';
    expect(latchSettingsFromEnv().metrics).toEqual({
      enabled: true,
      port: 9464,
      host: '0.0.0.0',
      defaultMetrics: true,
    });
  });

  it('keeps the refresh cookie Secure in production whatever AUTH_COOKIE_SECURE says', () => {
    process.env.NODE_ENV = 'production';
    process.env.JWT_KEYS_DIR = '/tmp/keys';
    process.env.DATABASE_URL = 'postgres://latch@db.internal/latch';
    process.env.AUTH_REFRESH_KEY_FILE = '/tmp/refresh.keys';
    process.env.AUTH_MFA_KEY_FILE = '/tmp/mfa.keys';
    process.env.AUTH_COOKIE_SECURE = 'false';
    expect(latchSettingsFromEnv().auth.cookieSecure).toBe(true);
    process.env.NODE_ENV = 'development';
    expect(latchSettingsFromEnv().auth.cookieSecure).toBe(false);
    process.env.AUTH_COOKIE_SECURE = 'true';
    expect(latchSettingsFromEnv().auth.cookieSecure).toBe(true);
  });
});

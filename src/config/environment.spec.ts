import 'reflect-metadata';
import { ConfigurationError, validateEnvironment } from './environment';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----';

/** The message of the error validateEnvironment throws, or undefined when it accepts. */
function problemWith(env: Record<string, string | undefined>): string | undefined {
  try {
    validateEnvironment(env);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
}

describe('validateEnvironment', () => {
  it('accepts an empty environment (every variable has a default)', () => {
    expect(problemWith({})).toBeUndefined();
  });

  it('accepts a full, valid development environment', () => {
    expect(
      problemWith({
        NODE_ENV: 'development',
        PORT: '3000',
        HOST: '0.0.0.0',
        BODY_LIMIT: '16384',
        LOG_LEVEL: 'debug',
        TRUST_PROXY: 'false',
        CORS_ORIGINS: 'https://a.example,https://b.example',
        DATABASE_URL: 'postgres://u:p@db:5432/latch',
        DATA_DIR: './.data',
        DB_POOL_SIZE: '10',
        DB_MIGRATE_ON_START: 'true',
        AUTH_ACCESS_TTL: '15m',
        AUTH_REFRESH_TTL: '14d',
        AUTH_SESSION_MAX_AGE: '2592000',
        AUTH_REUSE_GRACE: '0',
        AUTH_RETENTION: '7d',
        AUTH_REFRESH_TRANSPORT: 'both',
        AUTH_COOKIE_SECURE: 'true',
        AUTH_LOGIN_RATE_LIMIT: '0',
        AUTH_LOCKOUT_THRESHOLD: '5',
        JWT_ISSUER: 'latch',
        JWT_AUDIENCE: 'latch-api',
        JWT_ALGORITHM: 'RS256',
        REDIS_URL: 'rediss://cache:6380',
      }),
    ).toBeUndefined();
  });

  it('ignores variables that are set but empty', () => {
    expect(problemWith({ PORT: '', AUTH_ACCESS_TTL: '', DATABASE_URL: '' })).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['NODE_ENV', 'staging'],
    ['BODY_LIMIT', '10'],
    ['LOG_LEVEL', 'verbose'],
    ['TRUST_PROXY', 'maybe'],
    ['DATABASE_URL', 'mysql://db/latch'],
    ['DB_POOL_SIZE', '0'],
    ['AUTH_ACCESS_TTL', 'abc'],
    ['AUTH_ACCESS_TTL', '-5'],
    ['AUTH_ACCESS_TTL', '1.5'],
    ['AUTH_REFRESH_TTL', '10w'],
    ['AUTH_SESSION_MAX_AGE', '1 h'],
    ['AUTH_REUSE_GRACE', 'soon'],
    ['AUTH_REFRESH_TRANSPORT', 'header'],
    ['AUTH_LOGIN_RATE_LIMIT', '-1'],
    ['AUTH_LOCKOUT_THRESHOLD', 'five'],
    ['JWT_ALGORITHM', 'HS256'],
    ['JWT_ALGORITHM', 'none'],
    ['JWT_PRIVATE_KEY', 'not a pem'],
    ['REDIS_URL', 'http://cache'],
  ])('refuses %s=%p with a message naming the variable', (name, value) => {
    const message = problemWith({ [name]: value });
    expect(message).toBeDefined();
    expect(message).toContain(name);
  });

  it.each(['AUTH_ACCESS_TTL', 'AUTH_REFRESH_TTL', 'AUTH_SESSION_MAX_AGE'])(
    'refuses a zero %s in every form',
    (name) => {
      for (const value of ['0', '00', '0s', '0m', '0d']) {
        const message = problemWith({ [name]: value });
        expect(message).toContain(name);
        expect(message).toContain('greater than zero');
      }
    },
  );

  it('allows a zero reuse grace (it disables the window)', () => {
    expect(problemWith({ AUTH_REUSE_GRACE: '0' })).toBeUndefined();
  });

  it('in production, refuses to start without a signing key', () => {
    const message = problemWith({ NODE_ENV: 'production' });
    expect(message).toContain('JWT_PRIVATE_KEY');
    expect(message).toContain('JWT_KEYS_DIR');
    const refreshKey = { AUTH_REFRESH_KEY_FILE: '/etc/latch/refresh.keys' };
    expect(
      problemWith({ NODE_ENV: 'production', JWT_PRIVATE_KEY: PEM, ...refreshKey }),
    ).toBeUndefined();
    expect(
      problemWith({ NODE_ENV: 'production', JWT_KEYS_DIR: '/etc/latch/keys', ...refreshKey }),
    ).toBeUndefined();
  });

  it('reports one line and never dumps a private key it refuses', () => {
    const message = problemWith({ JWT_PRIVATE_KEY: 'secret-material-that-is-no-pem' }) ?? '';
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^Invalid configuration: JWT_PRIVATE_KEY/);
  });
});

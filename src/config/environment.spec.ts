import 'reflect-metadata';
import { PEM, PRODUCTION, problemWith } from './environment.spec-helpers';

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
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.0/8,proxy.internal'],
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
    const required = {
      DATABASE_URL: 'postgres://latch@db:5432/latch',
      AUTH_REFRESH_KEY_FILE: '/etc/latch/refresh.keys',
      AUTH_MFA_KEY_FILE: '/etc/latch/mfa.keys',
    };
    expect(
      problemWith({ NODE_ENV: 'production', JWT_PRIVATE_KEY: PEM, ...required }),
    ).toBeUndefined();
    expect(
      problemWith({ NODE_ENV: 'production', JWT_KEYS_DIR: '/etc/latch/keys', ...required }),
    ).toBeUndefined();
  });

  it('takes METRICS_PORT as a port that is not the API port', () => {
    expect(problemWith({ METRICS_PORT: '9464' })).toBeUndefined();
    expect(problemWith({ METRICS_PORT: '0', PORT: '0' })).toBeUndefined();
    expect(problemWith({ METRICS_PORT: 'metrics' })).toMatch(
      /^Invalid configuration: METRICS_PORT/,
    );
    expect(problemWith({ METRICS_PORT: '70000' })).toMatch(/^Invalid configuration: METRICS_PORT/);
    expect(problemWith({ METRICS_PORT: '3000' })).toMatch(/METRICS_PORT must differ from PORT/);
    expect(problemWith({ METRICS_PORT: '8080', PORT: '8080' })).toMatch(/must differ from PORT/);
  });

  it('in production, refuses the embedded database (DATABASE_URL unset)', () => {
    const message = problemWith({ NODE_ENV: 'production', JWT_KEYS_DIR: '/etc/latch/keys' });
    expect(message).toMatch(/^Invalid configuration: DATABASE_URL must be set/);
    expect(message?.split('\n')).toHaveLength(1);
    expect(problemWith({ NODE_ENV: 'development' })).toBeUndefined();
  });

  it('accepts TRUST_PROXY as false, a hop count or a list of addresses and CIDR ranges', () => {
    for (const value of ['false', '0', '2', '10.0.0.0/8,127.0.0.1', '::1, fd00::/8']) {
      expect(problemWith({ TRUST_PROXY: value })).toBeUndefined();
      expect(problemWith({ ...PRODUCTION, TRUST_PROXY: value })).toBeUndefined();
    }
  });

  it('refuses TRUST_PROXY=true in production only, in one line naming the variable', () => {
    expect(problemWith({ TRUST_PROXY: 'true' })).toBeUndefined();
    expect(problemWith({ NODE_ENV: 'development', TRUST_PROXY: 'true' })).toBeUndefined();
    for (const value of ['true', 'TRUE', ' true ']) {
      const message = problemWith({ ...PRODUCTION, TRUST_PROXY: value });
      expect(message).toMatch(/^Invalid configuration: TRUST_PROXY=true .*production/);
      expect(message!.split('\n')).toHaveLength(1);
    }
  });

  it('reports one line and never dumps a private key it refuses', () => {
    const junk = 'secret-material-that-is-no-pem';
    const message = problemWith({ JWT_PRIVATE_KEY: junk }) ?? '';
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^Invalid configuration: JWT_PRIVATE_KEY/);
    expect(message).not.toContain('secret-material');
  });

  it.each([
    [
      'JWT_PRIVATE_KEY',
      '-----BEGIN RSA KEY-----\nMIIEowIBAAKCAQEA7s3cr3tB1t5\n-----END RSA KEY-----',
      ['MIIEowIBAAKCAQEA7s3cr3tB1t5', 'BEGIN'],
    ],
    [
      'DATABASE_URL',
      'mysql://latch:Hunter2-db-pw@db.internal:3306/latch',
      ['Hunter2-db-pw', 'db.internal', 'mysql'],
    ],
    ['REDIS_URL', 'http://:Redis-s3cret@cache.internal:6379', ['Redis-s3cret', 'cache.internal']],
    ['SMTP_URL', 'http://mailer:Smtp-s3cret@mail.internal:587', ['Smtp-s3cret', 'mail.internal']],
  ])('names %s but prints none of its refused value', (name, value, secrets) => {
    const message = problemWith({ [name]: value }) ?? '';
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(message.split('\n')).toHaveLength(1);
    for (const secret of [value, ...secrets]) expect(message).not.toContain(secret);
  });

  it('accepts the mail settings and refuses bad ones by name', () => {
    expect(
      problemWith({
        SMTP_URL: 'smtp://user:p%40ss@smtp.example.com:587',
        MAIL_FROM: 'Latch <no-reply@example.com>',
        APP_URL: 'https://app.example.com',
        AUTH_VERIFY_TTL: '1d',
        AUTH_RESET_TTL: '30m',
        AUTH_MAIL_INTERVAL: '60',
      }),
    ).toBeUndefined();
    expect(problemWith({ SMTP_URL: 'smtps://smtp.example.com:465' })).toBeUndefined();
    expect(problemWith({ APP_URL: 'app.example.com' })).toMatch(/^Invalid configuration: APP_URL/);
    expect(problemWith({ MAIL_FROM: 'nobody' })).toMatch(/^Invalid configuration: MAIL_FROM/);
    expect(problemWith({ AUTH_RESET_TTL: '0' })).toMatch(
      /AUTH_RESET_TTL must be greater than zero/,
    );
  });

  it('still shows a refused value that cannot be a secret', () => {
    expect(problemWith({ NODE_ENV: 'staging' })).toContain('"staging"');
  });
});

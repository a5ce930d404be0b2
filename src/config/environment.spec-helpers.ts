import { ConfigurationError, validateEnvironment } from './environment';

/** A PEM-shaped private key: enough for the validator, which does not parse it. */
export const PEM = '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----';

/** Everything production requires, so that a spec sees only the setting it is about. */
export const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_PRIVATE_KEY: PEM,
  DATABASE_URL: 'postgres://latch@db:5432/latch',
  AUTH_REFRESH_KEY_FILE: '/etc/latch/refresh.keys',
  AUTH_MFA_KEY_FILE: '/etc/latch/mfa.keys',
};

/** The message of the error validateEnvironment throws, or undefined when it accepts. */
export function problemWith(env: Record<string, string | undefined>): string | undefined {
  try {
    validateEnvironment(env);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
}

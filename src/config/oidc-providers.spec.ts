import 'reflect-metadata';
import { resolveLatchOptions } from '../latch.options';
import { ConfigurationError } from './configuration-error';
import { PRODUCTION } from './environment.spec-helpers';
import { latchOptionsFromEnv, latchSettingsFromEnv } from './namespaces';

const SECRET = 'a-client-secret-that-must-never-be-shown';
const GOOGLE = {
  AUTH_OIDC_PROVIDERS: 'google',
  AUTH_OIDC_GOOGLE_ISSUER: 'https://accounts.google.com',
  AUTH_OIDC_GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com',
  AUTH_OIDC_GOOGLE_CLIENT_SECRET: SECRET,
};

/** The message start-up would stop with, or undefined. */
function refusal(env: Record<string, string>): string | undefined {
  try {
    latchSettingsFromEnv({ NODE_ENV: 'test', ...env });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
}

describe('identity providers from the environment', () => {
  it('reads each provider of AUTH_OIDC_PROVIDERS with its defaults', () => {
    const settings = latchSettingsFromEnv({
      ...GOOGLE,
      AUTH_OIDC_PROVIDERS: 'google, my-idp,github',
      AUTH_OIDC_MY_IDP_ISSUER: 'https://idp.example.com/realms/x/',
      AUTH_OIDC_MY_IDP_CLIENT_ID: 'latch',
      AUTH_OIDC_MY_IDP_CLIENT_SECRET: 'other',
      AUTH_OIDC_MY_IDP_SCOPES: 'openid email',
      AUTH_OIDC_MY_IDP_NAME: 'Our company',
      AUTH_OIDC_MY_IDP_LINK_BY_EMAIL: 'false',
      AUTH_OIDC_GITHUB_CLIENT_ID: 'gh',
      AUTH_OIDC_GITHUB_CLIENT_SECRET: 'gh-secret',
      PUBLIC_URL: 'https://auth.example.com/',
    });
    expect(settings.federation.publicUrl).toBe('https://auth.example.com');
    expect(settings.federation.providers).toEqual([
      expect.objectContaining({
        id: 'google',
        kind: 'oidc',
        name: 'google',
        issuer: 'https://accounts.google.com',
        scopes: ['openid', 'email', 'profile'],
        linkByEmail: true,
      }),
      expect.objectContaining({
        id: 'my-idp',
        issuer: 'https://idp.example.com/realms/x',
        scopes: ['openid', 'email'],
        name: 'Our company',
        linkByEmail: false,
      }),
      expect.objectContaining({
        id: 'github',
        kind: 'github',
        scopes: ['read:user', 'user:email'],
        github: {
          authorizationUrl: 'https://github.com/login/oauth/authorize',
          tokenUrl: 'https://github.com/login/oauth/access_token',
          apiUrl: 'https://api.github.com',
        },
      }),
    ]);
  });

  it('defaults PUBLIC_URL to http://<HOST>:<PORT>, and to the module default when neither is set', () => {
    expect(latchSettingsFromEnv({ HOST: '0.0.0.0', PORT: '8080' }).federation.publicUrl).toBe(
      'http://0.0.0.0:8080',
    );
    expect(latchSettingsFromEnv({}).federation).toEqual(resolveLatchOptions({}).federation);
    expect(resolveLatchOptions({}).federation).toEqual({
      publicUrl: 'http://127.0.0.1:3000',
      providers: [],
    });
  });

  it('names the variable that is missing or wrong', () => {
    expect(refusal({ AUTH_OIDC_PROVIDERS: 'Google' })).toMatch(/AUTH_OIDC_PROVIDERS/);
    expect(refusal({ ...GOOGLE, AUTH_OIDC_PROVIDERS: 'google,google' })).toMatch(
      /AUTH_OIDC_PROVIDERS lists google twice/,
    );
    expect(refusal({ ...GOOGLE, AUTH_OIDC_GOOGLE_ISSUER: '' })).toBe(
      'Invalid configuration: AUTH_OIDC_GOOGLE_ISSUER must be set',
    );
    expect(refusal({ ...GOOGLE, AUTH_OIDC_GOOGLE_CLIENT_ID: '' })).toMatch(
      /AUTH_OIDC_GOOGLE_CLIENT_ID must be set/,
    );
    expect(refusal({ ...GOOGLE, AUTH_OIDC_GOOGLE_CLIENT_SECRET: '' })).toMatch(
      /AUTH_OIDC_GOOGLE_CLIENT_SECRET must be set \(value not shown\)/,
    );
    expect(refusal({ ...GOOGLE, AUTH_OIDC_GOOGLE_LINK_BY_EMAIL: 'maybe' })).toMatch(
      /AUTH_OIDC_GOOGLE_LINK_BY_EMAIL/,
    );
    expect(refusal({ PUBLIC_URL: 'auth.example.com' })).toMatch(/PUBLIC_URL/);
  });

  it('takes plain http only on a loopback address outside production', () => {
    expect(
      refusal({ ...GOOGLE, AUTH_OIDC_GOOGLE_ISSUER: 'http://127.0.0.1:9000' }),
    ).toBeUndefined();
    expect(
      refusal({ ...GOOGLE, AUTH_OIDC_GOOGLE_ISSUER: 'http://localhost:9000' }),
    ).toBeUndefined();
    expect(refusal({ ...GOOGLE, AUTH_OIDC_GOOGLE_ISSUER: 'http://idp.example.com' })).toMatch(
      /AUTH_OIDC_GOOGLE_ISSUER must be an https:\/\/ URL/,
    );
    expect(() =>
      latchOptionsFromEnv({
        ...PRODUCTION,
        ...GOOGLE,
        AUTH_OIDC_GOOGLE_ISSUER: 'http://127.0.0.1:9000',
      }),
    ).toThrow(/AUTH_OIDC_GOOGLE_ISSUER must be an https:\/\/ URL/);
    // The module's options follow the same rule.
    expect(() =>
      resolveLatchOptions({
        federation: {
          providers: [
            { id: 'x', issuer: 'http://idp.example.com', clientId: 'a', clientSecret: SECRET },
          ],
        },
      }),
    ).toThrow(/federation\.providers\[0\]\.issuer must be an https:\/\/ URL/);
  });

  it('never shows the client secret in any refusal', () => {
    const envs: Record<string, string>[] = [
      { ...GOOGLE, AUTH_OIDC_GOOGLE_ISSUER: 'http://idp.example.com' },
      { ...GOOGLE, AUTH_OIDC_GOOGLE_CLIENT_ID: '' },
      { ...GOOGLE, AUTH_OIDC_GOOGLE_NAME: `a\n${SECRET}` },
      { ...GOOGLE, AUTH_OIDC_GOOGLE_LINK_BY_EMAIL: 'no' },
    ];
    for (const env of envs) {
      const message = refusal(env);
      expect(message).toBeDefined();
      expect(message).not.toContain(SECRET);
    }
    for (const clientSecret of ['', 42 as unknown as string]) {
      expect(() =>
        resolveLatchOptions({
          federation: {
            providers: [{ id: 'x', issuer: 'https://a', clientId: 'a', clientSecret }],
          },
        }),
      ).toThrow('federation.providers[0].clientSecret must be set (value not shown)');
    }
  });
});

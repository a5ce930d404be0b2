/**
 * The identity providers Latch signs in with, as options (LatchOptions.federation) and as the
 * resolved settings. GitHub is a preset (OAuth 2.0, not OpenID Connect): its endpoints are
 * built in and may be moved (GitHub Enterprise Server, or a test's local server).
 */
export interface GithubEndpoints {
  /** `https://github.com/login/oauth/authorize` */
  authorizationUrl: string;
  /** `https://github.com/login/oauth/access_token` */
  tokenUrl: string;
  /** `https://api.github.com` (its `/user` and `/user/emails`) */
  apiUrl: string;
}

export interface IdentityProviderOptions {
  /** `[a-z0-9-]{1,32}`; `github` (with no issuer) is the GitHub preset. */
  id: string;
  /** The OpenID Connect issuer; its endpoints come from `/.well-known/openid-configuration`. */
  issuer?: string;
  clientId: string;
  clientSecret: string;
  /** Default `openid email profile` (GitHub: `read:user user:email`). */
  scopes?: string[];
  /** Shown on the sign-in button; default the id. */
  name?: string;
  /** Whether a verified address may link to an existing verified account (default true). */
  linkByEmail?: boolean;
  /** GitHub preset only: where its endpoints are. */
  github?: Partial<GithubEndpoints>;
}

export interface FederationOptions {
  /** The service's external base URL: redirect URIs are `${publicUrl}/auth/oidc/<id>/callback`. */
  publicUrl?: string;
  providers?: IdentityProviderOptions[];
}

export interface IdentityProviderSettings {
  id: string;
  kind: 'oidc' | 'github';
  name: string;
  issuer?: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  linkByEmail: boolean;
  github?: GithubEndpoints;
}

export interface FederationSettings {
  publicUrl: string;
  providers: IdentityProviderSettings[];
}

export const GITHUB_ENDPOINTS: GithubEndpoints = {
  authorizationUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  apiUrl: 'https://api.github.com',
};

const OIDC_SCOPES = ['openid', 'email', 'profile'];
// GitHub has no `openid` scope; these read the profile and the addresses (with `verified`).
const GITHUB_SCOPES = ['read:user', 'user:email'];
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:3000';
export const PROVIDER_ID = /^[a-z0-9-]{1,32}$/;

const isGithubPreset = (provider: IdentityProviderOptions) =>
  provider.id === 'github' && !provider.issuer;

export function resolveFederation(options: FederationOptions = {}): FederationSettings {
  return {
    publicUrl: (options.publicUrl ?? DEFAULT_PUBLIC_URL).replace(/\/+$/, ''),
    providers: (options.providers ?? []).map((provider) => {
      const github = isGithubPreset(provider);
      return {
        id: provider.id,
        kind: github ? 'github' : 'oidc',
        name: provider.name ?? provider.id,
        issuer: provider.issuer?.replace(/\/+$/, ''),
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        scopes: provider.scopes ?? (github ? GITHUB_SCOPES : OIDC_SCOPES),
        linkByEmail: provider.linkByEmail ?? true,
        ...(github && { github: { ...GITHUB_ENDPOINTS, ...provider.github } }),
      };
    }),
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a URL may be used for a provider: https, or http on a loopback host outside production. */
export function isAllowedProviderUrl(value: string, production: boolean): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && !production && isLoopback(url);
}

export const isLoopback = (url: URL) =>
  LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);

/**
 * The problems of the providers' settings, each naming the option; a secret is never shown
 * (its value is "(value not shown)" whatever it is).
 */
export function federationProblems(settings: FederationSettings, production: boolean): string[] {
  const problems: string[] = [];
  if (!/^https?:\/\/[^\s?#]+$/.test(settings.publicUrl)) {
    problems.push(
      `federation.publicUrl must be an http:// or https:// URL without query or fragment (got ${JSON.stringify(settings.publicUrl)})`,
    );
  }
  const seen = new Set<string>();
  settings.providers.forEach((provider, index) => {
    const at = `federation.providers[${index}]`;
    if (typeof provider.id !== 'string' || !PROVIDER_ID.test(provider.id)) {
      problems.push(`${at}.id must match [a-z0-9-]{1,32} (got ${JSON.stringify(provider.id)})`);
      return;
    }
    if (seen.has(provider.id)) problems.push(`${at}.id ${provider.id} is listed twice`);
    seen.add(provider.id);
    if (typeof provider.clientId !== 'string' || provider.clientId.trim() === '') {
      problems.push(`${at}.clientId must be set`);
    }
    if (typeof provider.clientSecret !== 'string' || provider.clientSecret === '') {
      problems.push(`${at}.clientSecret must be set (value not shown)`);
    }
    if (typeof provider.name !== 'string' || !/^[^\r\n]{1,64}$/.test(provider.name)) {
      problems.push(`${at}.name must be one line of 1 to 64 characters`);
    }
    if (
      !Array.isArray(provider.scopes) ||
      provider.scopes.length === 0 ||
      !provider.scopes.every(
        (scope) => typeof scope === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope),
      )
    ) {
      problems.push(`${at}.scopes must be a non-empty list of scope tokens`);
    }
    if (typeof provider.linkByEmail !== 'boolean') {
      problems.push(`${at}.linkByEmail must be true or false`);
    }
    const urls: [string, unknown][] =
      provider.kind === 'github'
        ? Object.entries(provider.github ?? {}).map(([key, url]): [string, unknown] => [
            `github.${key}`,
            url,
          ])
        : [['issuer', provider.issuer]];
    for (const [key, url] of urls) {
      if (typeof url !== 'string' || !isAllowedProviderUrl(url, production)) {
        problems.push(
          `${at}.${key} must be an https:// URL (http:// only on a loopback address outside production) (got ${JSON.stringify(url ?? null)})`,
        );
      }
    }
  });
  return problems;
}

import * as oidc from 'openid-client';
import type { GithubEndpoints, IdentityProviderSettings } from './federation-settings';
import { isLoopback } from './federation-settings';
import {
  type AuthorizationRequest,
  type CallbackChecks,
  displayName,
  normaliseEmail,
  type ProviderAccount,
  type ProviderClient,
  ProviderFailure,
} from './provider-client';
import { providerFailureOf } from './provider-errors';

const TIMEOUT_SECONDS = 10;
const API_HEADERS = {
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  // GitHub refuses API requests without a User-Agent.
  'user-agent': 'Latch',
};

interface GithubUser {
  id?: unknown;
  login?: unknown;
  name?: unknown;
}
interface GithubEmail {
  email?: unknown;
  primary?: unknown;
  verified?: unknown;
}

/**
 * GitHub's OAuth 2.0 (it has no OpenID Connect): the authorization code grant with PKCE and
 * state through openid-client, then its REST API: `GET /user` for the account (its numeric id
 * is the subject: a login can be renamed and reused) and `GET /user/emails` for the primary
 * address and whether GitHub verified it.
 */
export class GithubProviderClient implements ProviderClient {
  private readonly config: oidc.Configuration;
  private readonly endpoints: GithubEndpoints;

  constructor(
    private readonly settings: IdentityProviderSettings,
    production: boolean,
  ) {
    this.endpoints = settings.github!;
    this.config = new oidc.Configuration(
      {
        issuer: new URL(this.endpoints.authorizationUrl).origin,
        authorization_endpoint: this.endpoints.authorizationUrl,
        token_endpoint: this.endpoints.tokenUrl,
      },
      settings.clientId,
      settings.clientSecret,
      oidc.ClientSecretPost(settings.clientSecret),
    );
    this.config.timeout = TIMEOUT_SECONDS;
    const urls = Object.values(this.endpoints).map((url: string) => new URL(url));
    if (!production && urls.every((url) => url.protocol === 'https:' || isLoopback(url))) {
      // Plain http is left for a stand-in on this machine (the tests'); https stays https.
      if (urls.some((url) => url.protocol === 'http:')) oidc.allowInsecureRequests(this.config);
    }
  }

  authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    return Promise.resolve(
      oidc.buildAuthorizationUrl(this.config, {
        redirect_uri: request.redirectUri,
        scope: this.settings.scopes.join(' '),
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
        allow_signup: 'true',
      }),
    );
  }

  async complete(checks: CallbackChecks): Promise<ProviderAccount> {
    try {
      const callback = new URL(checks.redirectUri);
      checks.query.forEach((value, key) => callback.searchParams.append(key, value));
      const tokens = await oidc.authorizationCodeGrant(this.config, callback, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        idTokenExpected: false,
      });
      const user = await this.api<GithubUser>(tokens.access_token, '/user');
      if (typeof user.id !== 'number' && typeof user.id !== 'string') {
        throw new ProviderFailure('provider_error', 'GitHub /user answered without an id');
      }
      const emails = await this.api<GithubEmail[]>(tokens.access_token, '/user/emails');
      const primary = Array.isArray(emails)
        ? emails.find((entry) => entry.primary === true)
        : undefined;
      return {
        subject: String(user.id),
        email: normaliseEmail(primary?.email),
        emailVerified: primary?.verified === true,
        name: displayName(user.name ?? user.login),
      };
    } catch (error) {
      throw providerFailureOf(error, this.settings.clientSecret);
    }
  }

  private async api<T>(accessToken: string, path: string): Promise<T> {
    const response = await oidc.fetchProtectedResource(
      this.config,
      accessToken,
      new URL(`${this.endpoints.apiUrl.replace(/\/+$/, '')}${path}`),
      'GET',
      undefined,
      new Headers(API_HEADERS),
    );
    if (response.status !== 200) {
      throw new ProviderFailure('provider_error', `GitHub ${path} answered ${response.status}`);
    }
    return (await response.json()) as T;
  }
}

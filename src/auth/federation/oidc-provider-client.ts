import * as oidc from 'openid-client';
import type { IdentityProviderSettings } from './federation-settings';
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
/** As openid-client's default for `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * A generic OpenID Connect provider through openid-client: discovery (kept once it worked),
 * the authorization code grant with PKCE (S256), state and nonce, and the ID token checked
 * completely: its signature by the provider's JWKS (openid-client caches the set and fetches
 * it again when a `kid` is unknown and the cached set is at least a minute old), `iss`,
 * `aud`, `azp`, `exp`, `iat` and `nonce`.
 */
export class OidcProviderClient implements ProviderClient {
  private configuration?: Promise<oidc.Configuration>;

  constructor(
    private readonly settings: IdentityProviderSettings,
    private readonly production: boolean,
  ) {}

  async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    const config = await this.configured();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: request.redirectUri,
      scope: this.settings.scopes.join(' '),
      state: request.state,
      nonce: request.nonce,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  async complete(checks: CallbackChecks): Promise<ProviderAccount> {
    try {
      const config = await this.configured();
      const callback = new URL(checks.redirectUri);
      checks.query.forEach((value, key) => callback.searchParams.append(key, value));
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      // openid-client requires `iat`; a token from the future (beyond the tolerance its `exp`
      // check allows) is refused here too.
      if (claims.iat > Math.floor(Date.now() / 1000) + CLOCK_TOLERANCE_SECONDS) {
        throw new ProviderFailure('provider_error', 'the ID token was issued in the future');
      }
      // Providers that put the address only in the UserInfo response (as oidc-provider
      // does by default): ask it, for the same `sub`.
      const info =
        claims.email === undefined && config.serverMetadata().userinfo_endpoint
          ? await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)
          : claims;
      return {
        subject: claims.sub,
        email: normaliseEmail(info.email),
        emailVerified: info.email_verified === true,
        name: displayName(info.name ?? info.preferred_username),
      };
    } catch (error) {
      throw providerFailureOf(error, this.settings.clientSecret);
    }
  }

  /** Discovery once; a failed one is tried again by the next sign-in. */
  private configured(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      this.configuration = undefined;
      throw providerFailureOf(error, this.settings.clientSecret);
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.issuer!);
    // Plain http only for a provider on this machine outside production (the tests').
    const insecure = issuer.protocol === 'http:' && isLoopback(issuer) && !this.production;
    const config = await oidc.discovery(
      issuer,
      this.settings.clientId,
      this.settings.clientSecret,
      undefined,
      { execute: insecure ? [oidc.allowInsecureRequests] : [], timeout: TIMEOUT_SECONDS },
    );
    // The ID token's signature is checked against the JWKS even though it came over TLS.
    oidc.enableNonRepudiationChecks(config);
    return config;
  }
}

/** What a provider says about the account that signed in there. */
export interface ProviderAccount {
  /** The provider's stable id of the account (`sub`; GitHub: the numeric user id). */
  subject: string;
  /** Trimmed and lower-cased; null when the provider gave none. */
  email: string | null;
  /** Only a provider's explicit assertion counts (`email_verified: true`; GitHub's `verified`). */
  emailVerified: boolean;
  name: string;
}

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
}

export interface CallbackChecks {
  redirectUri: string;
  /** The callback's query string as received. */
  query: URLSearchParams;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** One identity provider as the flow uses it: OpenID Connect, or the GitHub preset. */
export interface ProviderClient {
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  /** Exchanges the code and reads the account; throws ProviderFailure. */
  complete(checks: CallbackChecks): Promise<ProviderAccount>;
}

/**
 * Why a provider gave no account: `access_denied` (it refused, or the user cancelled) or
 * `provider_error` (its token endpoint, keys or tokens failed a check). `reason` is what the
 * app is told; the message is for the log and never carries the client secret.
 */
export class ProviderFailure extends Error {
  constructor(
    readonly reason: 'access_denied' | 'provider_error',
    message: string,
  ) {
    super(message);
  }
}

export const normaliseEmail = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : null;

/** A display name for a new account: one line, at most 200 characters. */
export const displayName = (value: unknown): string =>
  typeof value === 'string'
    ? value
        .replace(/[\r\n\t]+/g, ' ')
        .trim()
        .slice(0, 200)
    : '';

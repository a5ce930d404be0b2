/** The algorithms Latch can sign with (JWT_ALGORITHM); never a symmetric one, never `none`. */
export type LatchAlgorithm = 'ES256' | 'RS256';

/** What `LatchResourceModule.forRoot()` takes (README.md). */
export interface LatchResourceOptions {
  /** Latch's `JWT_ISSUER`: the `iss` every token must carry. */
  issuer: string;
  /** This service's audience: the `aud` a token must carry (Latch's `JWT_AUDIENCE`). */
  audience: string;
  /** Latch's JWKS; default `<issuer>/.well-known/jwks.json` when the issuer is a URL. */
  jwksUrl?: string;
  /** Latch's `GET /auth/revocations` and its `AUTH_FEED_TOKEN`; without it, no revocation check. */
  revocationFeed?: { url: string; token: string };
  /**
   * While the feed is down (not yet connected, or lost and reconnecting): `'reject'` answers
   * every token with 503 `service_unavailable`; `'accept'` accepts tokens whose session the
   * feed has not reported, so a session revoked meanwhile works until its token expires.
   */
  onFeedLoss: 'reject' | 'accept';
  /** Accepted signing algorithms; default both that Latch can be configured with. */
  algorithms?: LatchAlgorithm[];
  /** Seconds of clock leeway on `exp`, 0 to 30 (the contract's limit); default 30, as Latch. */
  clockTolerance?: number;
  /** As Latch's AUTH_ADMIN_REQUIRE_MFA: every route asking for role `admin` also needs `mfa`. */
  adminRequireMfa?: boolean;
}

export interface ResolvedResourceOptions {
  issuer: string;
  audience: string;
  jwksUrl: URL;
  revocationFeed?: { url: URL; token: string };
  onFeedLoss: 'reject' | 'accept';
  algorithms: LatchAlgorithm[];
  clockTolerance: number;
  adminRequireMfa: boolean;
}

export const RESOLVED_OPTIONS = Symbol('LATCH_RESOURCE_RESOLVED_OPTIONS');

/** A bad option, named; a value that may be a secret is never shown. */
export class ResourceOptionsError extends Error {}

const refuse = (message: string): never => {
  throw new ResourceOptionsError(`Invalid LatchResourceModule options: ${message}`);
};

const nonEmpty = (value: unknown): value is string =>
  typeof value === 'string' && value.trim().length > 0;

function httpUrl(name: string, value: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    return refuse(`${name} must be an http:// or https:// URL`);
  }
  return url;
}

/** The options with their defaults, checked once at start. */
export function resolveResourceOptions(options: LatchResourceOptions): ResolvedResourceOptions {
  if (typeof options !== 'object' || options === null) refuse('expected an object');
  if (!nonEmpty(options.issuer)) refuse('issuer must be a non-empty string');
  if (!nonEmpty(options.audience)) refuse('audience must be a non-empty string');
  if (options.onFeedLoss !== 'reject' && options.onFeedLoss !== 'accept') {
    refuse('onFeedLoss must be reject or accept');
  }
  const jwksSource =
    options.jwksUrl ??
    (/^https?:\/\//.test(options.issuer)
      ? `${options.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`
      : refuse('jwksUrl is required when the issuer is not an http(s) URL'));
  const algorithms = options.algorithms ?? ['ES256', 'RS256'];
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every((alg) => alg === 'ES256' || alg === 'RS256')
  ) {
    refuse('algorithms must be a non-empty list of ES256 and RS256');
  }
  const clockTolerance = options.clockTolerance ?? 30;
  if (!Number.isInteger(clockTolerance) || clockTolerance < 0 || clockTolerance > 30) {
    refuse(`clockTolerance must be a whole number of seconds from 0 to 30 (got ${clockTolerance})`);
  }
  let revocationFeed: ResolvedResourceOptions['revocationFeed'];
  if (options.revocationFeed !== undefined) {
    const { url, token } = options.revocationFeed;
    if (typeof token !== 'string' || token.length < 32) {
      refuse(
        'revocationFeed.token must be Latch AUTH_FEED_TOKEN, at least 32 characters (value not shown)',
      );
    }
    revocationFeed = { url: httpUrl('revocationFeed.url', url), token };
  }
  return {
    issuer: options.issuer,
    audience: options.audience,
    jwksUrl: httpUrl('jwksUrl', jwksSource),
    revocationFeed,
    onFeedLoss: options.onFeedLoss,
    algorithms: [...algorithms],
    clockTolerance,
    adminRequireMfa: options.adminRequireMfa === true,
  };
}

import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JwksCache } from './jwks-cache';
import type { ResolvedResourceOptions } from './options';
import { type Principal, principalOf } from './principal';

/** RFC 9068's media type, as Latch puts it in every access token's `typ`. */
const ACCESS_TOKEN_TYPE = 'at+jwt';
const normalisedTyp = (typ: unknown) =>
  typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;

/** What checking a token's signature and claims found, as a value. */
export type Verification =
  | { kind: 'valid'; principal: Principal }
  | { kind: 'invalid'; detail: string }
  | { kind: 'expired' }
  | { kind: 'unavailable' };

const invalid = (detail: string): Verification => ({ kind: 'invalid', detail });

/**
 * Every rule about accepting a Latch access token here, in Latch's order: the JOSE header
 * (`typ: at+jwt`, an allowed `alg`, a `kid` whose key has that `alg`), the signature, `iss`,
 * `aud`, `exp` (with the leeway), then the claim shapes. Revocation is the guard's next step.
 */
export class TokenVerifier {
  constructor(
    private readonly options: ResolvedResourceOptions,
    private readonly jwks: JwksCache,
  ) {}

  async verify(token: string): Promise<Verification> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return invalid('access token is invalid');
    }
    if (normalisedTyp(header.typ) !== ACCESS_TOKEN_TYPE) return invalid('not an access token');
    const alg = header.alg;
    if (typeof alg !== 'string' || !(this.options.algorithms as string[]).includes(alg)) {
      return invalid('access token is invalid');
    }
    const lookup = await this.jwks.keyFor(header.kid, alg);
    if (lookup.kind === 'unavailable') return { kind: 'unavailable' };
    if (lookup.kind === 'unknown_key') return invalid('unknown signing key');
    try {
      const { payload } = await jwtVerify(token, lookup.key, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [alg],
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: this.options.clockTolerance,
        requiredClaims: ['exp', 'sub', 'sid', 'jti'],
      });
      const principal = principalOf(payload);
      return principal
        ? { kind: 'valid', principal }
        : invalid('access token claims are malformed');
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { kind: 'expired' };
      return invalid('access token is invalid');
    }
  }
}

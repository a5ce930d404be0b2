/** The media type in every access token's `typ` header (RFC 9068). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The claims Latch puts in every access token (docs/api.md). */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  roles: string[];
}

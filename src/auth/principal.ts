/** Who is calling, as proven by a verified access token. */
export interface Principal {
  userId: string;
  sessionId: string;
  roles: string[];
  /** When the access token expires (seconds since the epoch). */
  expiresAt: number;
}

/** The claims Latch puts in every access token (API.md). */
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

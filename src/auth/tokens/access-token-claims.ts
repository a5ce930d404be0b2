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
  /** Authentication methods (RFC 8176), as the session was opened. */
  amr: string[];
}

/** The factors a session proved (RFC 8176 `amr` values). */
export const AMR_PASSWORD = ['pwd'];
export const AMR_TOTP = ['pwd', 'otp', 'mfa'];
export const AMR_RECOVERY_CODE = ['pwd', 'mfa'];
/** A passkey (hardware-bound key, user verified: a factor of its own and a second one). */
export const AMR_PASSKEY = ['hwk', 'mfa'];
export const AMR_PASSWORD_PASSKEY = ['pwd', 'hwk', 'mfa'];

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
/** A sign-in with an identity provider (RFC 8176's `fed`: federated authentication). */
export const AMR_FEDERATED = ['fed'];

/**
 * A second step's session: the first step's factors, then what the proof adds (`otp` for a
 * TOTP code, `hwk` for a passkey, nothing for a recovery code), then `mfa`
 * (`["pwd", "otp", "mfa"]`, `["pwd", "hwk", "mfa"]`, `["fed", "mfa"]` after a recovery code).
 */
export const secondStepAmr = (firstStep: string[], proofAdds: string[]): string[] => [
  ...firstStep,
  ...proofAdds,
  'mfa',
];

/** What each proof of a second step adds to the first step's `amr`. */
export const OTP_ADDS = ['otp'];
export const RECOVERY_CODE_ADDS: string[] = [];
export const PASSKEY_ADDS = ['hwk'];
/** A passkey (hardware-bound key, user verified: a factor of its own and a second one). */
export const AMR_PASSKEY = ['hwk', 'mfa'];

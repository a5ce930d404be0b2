/** Who is calling, as proven by a verified access token. */
export interface Principal {
  userId: string;
  sessionId: string;
  roles: string[];
  /**
   * How the session was authenticated (RFC 8176): `["pwd"]`, `["pwd", "otp", "mfa"]` after a
   * TOTP code, `["pwd", "mfa"]` after a recovery code. `amr.includes('mfa')`: a second factor.
   */
  amr: string[];
  /** When the access token expires (seconds since the epoch). */
  expiresAt: number;
}

/** Who is calling, as proven by a verified access token (the same shape as inside Latch). */
export interface Principal {
  userId: string;
  sessionId: string;
  roles: string[];
  /**
   * How the session was authenticated (RFC 8176): `["pwd"]`, `["pwd", "otp", "mfa"]` after a
   * TOTP code, `["hwk", "mfa"]` after a passkey. `amr.includes('mfa')`: a second factor.
   */
  amr: string[];
  /** When the access token expires (seconds since the epoch). */
  expiresAt: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The principal of verified claims, or undefined when a claim Latch always sets is malformed. */
export function principalOf(claims: Record<string, unknown>): Principal | undefined {
  const { sub, sid, jti, exp, roles } = claims;
  // Tokens signed before the second factor existed carry no `amr`: they came from a password.
  const amr = claims.amr ?? ['pwd'];
  const wellFormed =
    isUuid(sub) &&
    isUuid(sid) &&
    typeof jti === 'string' &&
    typeof exp === 'number' &&
    isStrings(roles) &&
    isStrings(amr);
  return wellFormed ? { userId: sub, sessionId: sid, roles, amr, expiresAt: exp } : undefined;
}

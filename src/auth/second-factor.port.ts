import type { EntityManager } from 'typeorm';

/**
 * What the password login asks of a second factor, without knowing which one it is (mfa/
 * provides TOTP with recovery codes; passkeys may follow). Declared here, on the asking side,
 * so the login imports nothing of mfa/.
 */
export interface SecondFactor {
  /**
   * Whether a right password of this user still needs a second step; inside the caller's
   * transaction if given (the login asks it with the user's row locked, as turning a factor
   * on does, so the answer holds until the session opens).
   */
  isRequired(userId: string, manager?: EntityManager): Promise<boolean>;
  /**
   * Starts that step: the opaque `mfaToken` the client sends to POST /auth/login/mfa, bound
   * to the password hash just verified (the step opens no session once the password has
   * changed); undefined when it changed already. Null: a first step that was not a password
   * (an identity provider), bound to the password as it is now.
   */
  challenge(userId: string, verifiedPasswordHash: string | null): Promise<string | undefined>;
}

export const SECOND_FACTOR = Symbol('SECOND_FACTOR');

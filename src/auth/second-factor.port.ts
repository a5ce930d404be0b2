import type { EntityManager } from 'typeorm';
import type { ClientContext } from './client-context';
import type { IssuedRefreshToken } from './refresh/issued-refresh-token';

/** The second steps an account can take, as `mfa_required`'s `factors` lists them. */
export type SecondStepFactor = 'totp' | 'recovery_code' | 'passkey';

/**
 * A proof of the second step that another credential folder judges (passkeys/): mfa/ keeps
 * the mfaToken, its guesses and the lockout, and asks the proof's owner only "right or wrong?".
 */
export interface SecondStepProof {
  /** Which factor it is (for the audit events). */
  factor: SecondStepFactor;
  /**
   * What it adds to the first step's `amr` (a passkey: `hwk`); the session's amr is the first
   * step's, then these, then `mfa`.
   */
  adds: string[];
  /**
   * Judges the proof for the mfaToken's user, inside the transaction that then spends the
   * mfaToken and opens the session (every statement on `manager`): false means wrong.
   */
  judge(userId: string, manager: EntityManager): Promise<boolean>;
}

/**
 * What the password login asks of a second factor, without knowing which one it is (mfa/
 * provides TOTP with recovery codes; passkeys/ adds itself as a way to answer the step).
 * Declared here, on the asking side, so the login imports nothing of mfa/.
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
   * (an identity provider), bound to the password as it is now. `firstStep`: the `amr` of
   * that first step (default `["pwd"]`), which the second step's session starts from.
   */
  challenge(
    userId: string,
    verifiedPasswordHash: string | null,
    firstStep?: string[],
  ): Promise<string | undefined>;
  /** The second steps this user can take now (`factors` of `mfa_required`). */
  factors(userId: string): Promise<SecondStepFactor[]>;
  /**
   * Another credential folder offers its factor as an answer to the step, for the users for
   * whom `available` says so (passkeys/: those with a passkey). Called once, at start-up.
   */
  offer(factor: SecondStepFactor, available: (userId: string) => Promise<boolean>): void;
  /** The user a live mfaToken belongs to, spending nothing (to build a proof's options). */
  pendingUserOf(mfaToken: string): Promise<string | undefined>;
  /**
   * Finishes the step with a proof judged by its owner, counted like a code: the guess is
   * taken from the mfaToken and the account's lockout first, a wrong proof keeps it counted.
   * The session, or undefined for a wrong proof; throws invalid_grant for an mfaToken that is
   * unknown, used, expired or out of guesses, and 429 while the account is locked.
   */
  completeWith(
    mfaToken: string,
    proof: SecondStepProof,
    context: ClientContext,
  ): Promise<IssuedRefreshToken | undefined>;
}

export const SECOND_FACTOR = Symbol('SECOND_FACTOR');

import { Injectable, OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { PrunerRegistry } from '../../maintenance/pruner-registry';
import { RevocationHooks } from '../revocation/revocation-hooks';
import { AMR_PASSWORD } from '../tokens/access-token-claims';
import { LiveChallengeRow, MfaChallengesRepository } from './mfa-challenges.repository';

/** docs/api.md: an mfaToken lives 5 minutes and survives 4 wrong codes; the 5th voids it. */
const MFA_TOKEN_TTL_SECONDS = 300;
const MAX_WRONG_CODES = 5;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** SHA-256 is enough for 256 random bits; undefined for anything that cannot be a token. */
function hashOf(token: string): Buffer | undefined {
  return TOKEN_SHAPE.test(token) ? createHash('sha256').update(token).digest() : undefined;
}

/** A live challenge found by its token, with the hash that names it in later statements. */
export interface FoundChallenge extends LiveChallengeRow {
  hash: Buffer;
}

/**
 * The pending second step of a login: an opaque `mfaToken` (256 random bits, only its hash
 * stored), single use, 5 minutes, void after 5 wrong codes, and void when every session of
 * its user ends.
 */
@Injectable()
export class MfaChallenges implements OnModuleInit {
  constructor(
    private readonly challenges: MfaChallengesRepository,
    private readonly revocation: RevocationHooks,
    private readonly pruners: PrunerRegistry,
  ) {}

  onModuleInit(): void {
    // A login half done before a password change, a reset or "sign out everywhere" must not
    // finish after it.
    this.revocation.onAllSessionsEnded((userId, manager) =>
      this.challenges.deleteAllOfUser(userId, manager),
    );
    // A challenge is useless once expired.
    this.pruners.register({
      name: 'mfaChallenges',
      prune: (n) => this.challenges.deleteExpiredBefore(0, n),
    });
  }

  /**
   * A token bound to the password just verified (null: to the password as it is now);
   * undefined when it changed meanwhile.
   */
  async issue(
    userId: string,
    verifiedPasswordHash: string | null,
    firstStep: string[] = AMR_PASSWORD,
  ): Promise<string | undefined> {
    const token = randomBytes(32).toString('base64url');
    const created = await this.challenges.create(
      userId,
      hashOf(token)!,
      MFA_TOKEN_TTL_SECONDS,
      verifiedPasswordHash,
      firstStep,
    );
    return created ? token : undefined;
  }

  /**
   * Takes one of the token's five guesses, before the code is judged: a burst of guesses on
   * one token gets no more than five verdicts. Undefined: unknown, malformed, used, expired or
   * out of guesses.
   */
  async reserveGuess(token: string): Promise<FoundChallenge | undefined> {
    const hash = hashOf(token);
    const row = hash && (await this.challenges.reserveGuess(hash, MAX_WRONG_CODES));
    return row ? { ...row, hash } : undefined;
  }

  /** The live challenge of a token, spending nothing; undefined as reserveGuess would be. */
  async peek(token: string): Promise<LiveChallengeRow | undefined> {
    const hash = hashOf(token);
    return hash && this.challenges.findLive(hash, MAX_WRONG_CODES);
  }

  /** The guess was never judged (429, 503): it does not count. */
  releaseGuess(challenge: FoundChallenge): Promise<void> {
    return this.challenges.releaseGuess(challenge.hash);
  }

  /** Spends it inside the caller's transaction; false when it stopped being live meanwhile. */
  consume(challenge: FoundChallenge, manager: EntityManager): Promise<boolean> {
    return this.challenges.consume(challenge.hash, manager);
  }
}

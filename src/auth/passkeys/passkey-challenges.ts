import { Injectable, OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { PrunerRegistry } from '../../maintenance/pruner-registry';
import {
  ChallengeBinding,
  ChallengePurpose,
  PasskeyChallengesRepository,
  SpentChallengeRow,
} from './passkey-challenges.repository';

/** docs/api.md: every challenge is single use and expires after 5 minutes. */
export const CHALLENGE_TTL_SECONDS = 300;
/** 32 random bytes, base64url without padding, as it comes back in `clientDataJSON`. */
const CHALLENGE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (challenge: string) => createHash('sha256').update(challenge).digest();

/** A new challenge: its raw bytes for the options, and the base64url form stored hashed. */
export interface IssuedChallenge {
  bytes: Uint8Array<ArrayBuffer>;
  value: string;
}

/**
 * The challenges of WebAuthn ceremonies, stored only as SHA-256 hashes, each with its purpose
 * and binding. Spending one deletes it, whatever the verification of its response then says.
 */
@Injectable()
export class PasskeyChallenges implements OnModuleInit {
  constructor(
    private readonly challenges: PasskeyChallengesRepository,
    private readonly pruners: PrunerRegistry,
  ) {}

  onModuleInit(): void {
    this.pruners.register({
      name: 'passkeyChallenges',
      prune: (n) => this.challenges.deleteExpired(n),
    });
  }

  async issue(purpose: ChallengePurpose, binding: ChallengeBinding): Promise<IssuedChallenge> {
    const bytes = new Uint8Array(randomBytes(32));
    const value = Buffer.from(bytes).toString('base64url');
    await this.challenges.create(hashOf(value), purpose, binding, CHALLENGE_TTL_SECONDS);
    return { bytes, value };
  }

  /** Spends the challenge a response names; undefined when none of this purpose and binding is live. */
  async spend(
    challenge: string | undefined,
    purpose: ChallengePurpose,
    binding: Pick<ChallengeBinding, 'userId' | 'sessionId' | 'mfaTokenHash'>,
    manager?: EntityManager,
  ): Promise<SpentChallengeRow | undefined> {
    if (challenge === undefined || !CHALLENGE_SHAPE.test(challenge)) return undefined;
    return this.challenges.consume(hashOf(challenge), purpose, binding, manager);
  }

  /**
   * After a failed response, voids every other pending challenge of the same session or
   * mfaToken too: a response that names a challenge never issued must not leave the real one
   * usable (the challenge is spent either way, docs/api.md).
   */
  voidBound(
    purpose: 'register' | 'second_step',
    binding: { sessionId: string } | { mfaTokenHash: Buffer },
    manager?: EntityManager,
  ): Promise<void> {
    return this.challenges.deleteBound(purpose, binding, manager);
  }
}

/** What binds a second-step challenge to its mfaToken, without storing the token. */
export const mfaTokenBinding = (mfaToken: string) =>
  createHash('sha256').update(`passkey-second-step:${mfaToken}`).digest();

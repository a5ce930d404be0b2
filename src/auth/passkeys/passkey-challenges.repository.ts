import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export type ChallengePurpose = 'register' | 'signup' | 'login' | 'second_step';

/** What a challenge is bound to; every member its purpose needs is compared when it is spent. */
export interface ChallengeBinding {
  userId?: string;
  sessionId?: string;
  email?: string;
  name?: string;
  userHandle?: Buffer;
  mfaTokenHash?: Buffer;
}

/** A spent challenge, as it was stored. */
export interface SpentChallengeRow {
  user_id: string | null;
  session_id: string | null;
  email: string | null;
  name: string | null;
  user_handle: Buffer | null;
}

/** Every statement on `passkey_challenges` (only SHA-256 hashes of the challenges). */
@Injectable()
export class PasskeyChallengesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(
    hash: Buffer,
    purpose: ChallengePurpose,
    binding: ChallengeBinding,
    ttlSeconds: number,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO passkey_challenges (challenge_hash, purpose, user_id, session_id, email, name,
         user_handle, mfa_token_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9::float8))`,
      [
        hash,
        purpose,
        binding.userId ?? null,
        binding.sessionId ?? null,
        binding.email ?? null,
        binding.name ?? null,
        binding.userHandle ?? null,
        binding.mfaTokenHash ?? null,
        ttlSeconds,
      ],
    );
  }

  /**
   * Spends a live challenge of this purpose whose binding matches, in one statement: deleted,
   * so of two simultaneous uses one gets the row. `sessionId`, `userId` and `mfaTokenHash` are
   * compared when given; a challenge bound to something else is left alone.
   */
  async consume(
    hash: Buffer,
    purpose: ChallengePurpose,
    binding: Pick<ChallengeBinding, 'userId' | 'sessionId' | 'mfaTokenHash'>,
    manager?: EntityManager,
  ): Promise<SpentChallengeRow | undefined> {
    const [rows] = await (manager ?? this.dataSource).query<[SpentChallengeRow[], number]>(
      `DELETE FROM passkey_challenges
       WHERE challenge_hash = $1 AND purpose = $2 AND expires_at > now()
         AND user_id IS NOT DISTINCT FROM $3::uuid
         AND session_id IS NOT DISTINCT FROM $4::uuid
         AND mfa_token_hash IS NOT DISTINCT FROM $5::bytea
       RETURNING user_id, session_id, email, name, user_handle`,
      [
        hash,
        purpose,
        binding.userId ?? null,
        binding.sessionId ?? null,
        binding.mfaTokenHash ?? null,
      ],
    );
    return rows[0];
  }

  /** Deletes every pending challenge of one purpose and binding (a failed ceremony's). */
  async deleteBound(
    purpose: ChallengePurpose,
    binding: Pick<ChallengeBinding, 'sessionId' | 'mfaTokenHash'>,
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.dataSource).query(
      `DELETE FROM passkey_challenges WHERE purpose = $1
         AND (session_id = $2::uuid OR mfa_token_hash = $3::bytea)`,
      [purpose, binding.sessionId ?? null, binding.mfaTokenHash ?? null],
    );
  }

  /** Deletes up to `limit` expired challenges. */
  async deleteExpired(limit: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM passkey_challenges WHERE challenge_hash IN (
         SELECT challenge_hash FROM passkey_challenges WHERE expires_at < now() LIMIT $1::int)`,
      [limit],
    );
    return affected;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A user's TOTP factor: pending (`confirmed_at` null) or on. */
export interface TotpFactorRow {
  secret_ciphertext: Buffer;
  key_id: string;
  confirmed_at: Date | null;
  last_used_step: string | null;
}

/** Spending a code: the step it matched, and the secret it was checked against. */
export interface StepUse {
  userId: string;
  step: number;
  /** The ciphertext the code was checked against: nothing happens if it changed meanwhile. */
  checkedCiphertext: Buffer;
  /** A re-encryption under the newest key, stored with the use. */
  resealed?: { ciphertext: Buffer; keyId: string };
}

/** Every statement on `totp_factors`. */
@Injectable()
export class TotpFactorsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Starts (or restarts) an enrolment; false when TOTP is already on. */
  async startEnrolment(userId: string, ciphertext: Buffer, keyId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO totp_factors (user_id, secret_ciphertext, key_id)
       VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE
         SET secret_ciphertext = excluded.secret_ciphertext, key_id = excluded.key_id,
             created_at = now(), last_used_step = NULL
         WHERE totp_factors.confirmed_at IS NULL
       RETURNING 1`,
      [userId, ciphertext, keyId],
    );
    return rows.length > 0;
  }

  async find(
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TotpFactorRow | undefined> {
    const rows: TotpFactorRow[] = await manager.query(
      `SELECT secret_ciphertext, key_id, confirmed_at, last_used_step
       FROM totp_factors WHERE user_id = $1`,
      [userId],
    );
    return rows[0];
  }

  /**
   * Whether TOTP is on, locking the user's factor row until the caller's transaction ends:
   * changes to the factor's recovery codes then take turns instead of interleaving.
   */
  async lockIfEnabled(userId: string, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL FOR UPDATE`,
      [userId],
    );
    return rows.length > 0;
  }

  async isEnabled(
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL`,
      [userId],
    );
    return rows.length > 0;
  }

  /**
   * Records an accepted code in one conditional statement: only a step later than the last
   * accepted one, and only against the secret it was checked with. Of two simultaneous uses
   * of one code, the second waits for the first's row lock, then finds the step taken.
   * `confirming`: the code confirms a pending enrolment, which turns TOTP on.
   */
  async useStep(use: StepUse, confirming: boolean, manager: EntityManager): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE totp_factors
       SET last_used_step = $2,
           confirmed_at = CASE WHEN $4 THEN now() ELSE confirmed_at END,
           secret_ciphertext = coalesce($5, secret_ciphertext),
           key_id = coalesce($6, key_id)
       WHERE user_id = $1 AND secret_ciphertext = $3
         AND (last_used_step IS NULL OR last_used_step < $2)
         AND (confirmed_at IS NULL) = $4`,
      [
        use.userId,
        use.step,
        use.checkedCiphertext,
        confirming,
        use.resealed?.ciphertext ?? null,
        use.resealed?.keyId ?? null,
      ],
    );
    return affected > 0;
  }

  /** Turns TOTP off; false when it was not on. */
  async remove(userId: string, manager: EntityManager): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `DELETE FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL`,
      [userId],
    );
    return affected > 0;
  }
}

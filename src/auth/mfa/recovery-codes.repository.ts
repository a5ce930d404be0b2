import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** Every statement on `recovery_codes` (SHA-256 hashes only). */
@Injectable()
export class RecoveryCodesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The user's codes become exactly these: the old set stops working in the same transaction. */
  async replace(userId: string, hashes: Buffer[], manager: EntityManager): Promise<void> {
    await this.removeAll(userId, manager);
    await manager.query(
      `INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])`,
      [userId, hashes],
    );
  }

  /** Spends one unused code in one conditional statement; false when none matches. */
  async spend(userId: string, hash: Buffer, manager: EntityManager): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `UPDATE recovery_codes SET used_at = now()
       WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
      [userId, hash],
    );
    return affected > 0;
  }

  async countUnused(userId: string): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return rows[0].n;
  }

  async removeAll(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM recovery_codes WHERE user_id = $1`, [userId]);
  }
}

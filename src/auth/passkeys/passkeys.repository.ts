import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A `passkeys` row as the queries return it (snake_case, bigint as text). */
export interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: Buffer;
  public_key: Buffer;
  counter: string;
  transports: string[];
  backed_up: boolean;
  device_type: string;
  aaguid: string;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

/** What a verified registration stores. */
export interface NewPasskey {
  userId: string;
  credentialId: Buffer;
  publicKey: Buffer;
  counter: number;
  transports: string[];
  backedUp: boolean;
  deviceType: string;
  aaguid: string;
  name: string;
}

const COLUMNS = `id, user_id, credential_id, public_key, counter::text AS counter, transports,
  backed_up, device_type, aaguid, name, created_at, last_used_at`;

/** Every statement on `passkeys` and `passkey_user_handles`. */
@Injectable()
export class PasskeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  private runner(manager?: EntityManager) {
    return manager ?? this.dataSource;
  }

  /** The user's passkeys, newest first. */
  listOf(userId: string, manager?: EntityManager): Promise<PasskeyRow[]> {
    return this.runner(manager).query(
      `SELECT ${COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at DESC, id`,
      [userId],
    );
  }

  async countOf(userId: string, manager?: EntityManager): Promise<number> {
    const rows: { n: number }[] = await this.runner(manager).query(
      `SELECT count(*)::int AS n FROM passkeys WHERE user_id = $1`,
      [userId],
    );
    return rows[0].n;
  }

  async findByCredentialId(
    credentialId: Buffer,
    manager?: EntityManager,
  ): Promise<PasskeyRow | undefined> {
    const rows: PasskeyRow[] = await this.runner(manager).query(
      `SELECT ${COLUMNS} FROM passkeys WHERE credential_id = $1`,
      [credentialId],
    );
    return rows[0];
  }

  /** Inserts it; undefined when the credential id is registered already (by anyone). */
  async insert(passkey: NewPasskey, manager: EntityManager): Promise<PasskeyRow | undefined> {
    const rows: PasskeyRow[] = await manager.query(
      `INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, backed_up,
         device_type, aaguid, name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (credential_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        passkey.userId,
        passkey.credentialId,
        passkey.publicKey,
        passkey.counter,
        passkey.transports,
        passkey.backedUp,
        passkey.deviceType,
        passkey.aaguid,
        passkey.name,
      ],
    );
    return rows[0];
  }

  async rename(id: string, userId: string, name: string): Promise<PasskeyRow | undefined> {
    const [rows] = await this.dataSource.query<[PasskeyRow[], number]>(
      `UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      [id, userId, name],
    );
    return rows[0];
  }

  async delete(id: string, userId: string, manager: EntityManager): Promise<boolean> {
    const [, affected] = await manager.query<[unknown, number]>(
      `DELETE FROM passkeys WHERE id = $1 AND user_id = $2`,
      [id, userId],
    );
    return affected > 0;
  }

  async existsOf(id: string, userId: string, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM passkeys WHERE id = $1 AND user_id = $2`,
      [id, userId],
    );
    return rows.length > 0;
  }

  async deleteAllOf(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM passkeys WHERE user_id = $1`, [userId]);
  }

  /**
   * Records an accepted assertion, compare-and-swap on the counter that was verified: of two
   * simultaneous uses carrying the same counter, one wins. False when the stored counter moved
   * meanwhile (the other use won).
   */
  async recordUse(
    id: string,
    verifiedCounter: string,
    newCounter: number,
    backedUp: boolean,
    manager?: EntityManager,
  ): Promise<boolean> {
    const [, affected] = await this.runner(manager).query<[unknown, number]>(
      `UPDATE passkeys SET counter = $3, backed_up = $4, last_used_at = now()
       WHERE id = $1 AND counter = $2::bigint`,
      [id, verifiedCounter, newCounter, backedUp],
    );
    return affected > 0;
  }

  async handleOf(userId: string, manager?: EntityManager): Promise<Buffer | undefined> {
    const rows: { handle: Buffer }[] = await this.runner(manager).query(
      `SELECT handle FROM passkey_user_handles WHERE user_id = $1`,
      [userId],
    );
    return rows[0]?.handle;
  }

  /** The user's handle, this one unless they had one already. */
  async ensureHandle(userId: string, candidate: Buffer, manager?: EntityManager): Promise<Buffer> {
    await this.runner(manager).query(
      `INSERT INTO passkey_user_handles (user_id, handle) VALUES ($1, $2)
       ON CONFLICT (user_id) DO NOTHING`,
      [userId, candidate],
    );
    return (await this.handleOf(userId, manager))!;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface IdentityRow {
  id: string;
  provider: string;
  subject: string;
  user_id: string;
  email: string | null;
  linked_at: Date;
  last_used_at: Date | null;
}

const COLUMNS = 'id, provider, subject, user_id, email, linked_at, last_used_at';

/** Every statement on `identities`: provider accounts linked to users. */
@Injectable()
export class IdentitiesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(
    provider: string,
    subject: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IdentityRow | undefined> {
    const rows: IdentityRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM identities WHERE provider = $1 AND subject = $2`,
      [provider, subject],
    );
    return rows[0];
  }

  /**
   * Links the identity to the user; undefined when it is linked already (to anyone): the
   * unique (provider, subject) decides between two simultaneous links.
   */
  async link(
    input: {
      provider: string;
      subject: string;
      userId: string;
      email: string | null;
      used: boolean;
    },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string | undefined> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO identities (provider, subject, user_id, email, last_used_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $5::boolean THEN now() END)
       ON CONFLICT (provider, subject) DO NOTHING
       RETURNING id`,
      [input.provider, input.subject, input.userId, input.email, input.used],
    );
    return rows[0]?.id;
  }

  async touch(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE identities SET last_used_at = now() WHERE id = $1`, [id]);
  }

  /** The user's identities, newest first. */
  listOf(userId: string): Promise<IdentityRow[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM identities WHERE user_id = $1 ORDER BY linked_at DESC, id`,
      [userId],
    );
  }

  async countOf(userId: string, manager: EntityManager): Promise<number> {
    const [row] = await manager.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM identities WHERE user_id = $1`,
      [userId],
    );
    return row.n;
  }

  async belongsTo(id: string, userId: string, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM identities WHERE id = $1 AND user_id = $2`,
      [id, userId],
    );
    return rows.length > 0;
  }

  /** The removed identity's provider; undefined when it is not the user's. */
  async remove(id: string, userId: string, manager: EntityManager): Promise<string | undefined> {
    const [rows] = await manager.query<[{ provider: string }[], number]>(
      `DELETE FROM identities WHERE id = $1 AND user_id = $2 RETURNING provider`,
      [id, userId],
    );
    return rows[0]?.provider;
  }

  async removeAllOf(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM identities WHERE user_id = $1`, [userId]);
  }
}

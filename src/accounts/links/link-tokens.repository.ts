import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { LinkKind } from './link-token';

/** What spending a link yields. */
export interface SpentLinkRow {
  user_id: string;
  new_email: string | null;
}

/** Every statement on `link_tokens`. */
@Injectable()
export class LinkTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    manager: EntityManager,
    link: { userId: string; kind: LinkKind; hash: Buffer; ttlSeconds: number; newEmail?: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO link_tokens (user_id, kind, token_hash, new_email, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::float8))`,
      [link.userId, link.kind, link.hash, link.newEmail ?? null, link.ttlSeconds],
    );
  }

  /** Whether the link would be spent now (a read; spending decides). */
  async isUsable(kind: LinkKind, hash: Buffer): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM link_tokens
       WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > now()`,
      [hash, kind],
    );
    return rows.length > 0;
  }

  /**
   * Spends a link in one conditional statement: of two simultaneous uses of one token, one
   * gets the row and the other nothing. Unknown, used, expired or another kind: null.
   */
  async spend(manager: EntityManager, kind: LinkKind, hash: Buffer): Promise<SpentLinkRow | null> {
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows] = await manager.query<[SpentLinkRow[], number]>(
      `UPDATE link_tokens SET used_at = now()
       WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > now()
       RETURNING user_id, new_email`,
      [hash, kind],
    );
    return rows[0] ?? null;
  }

  /** Spends every unused link of a user, of the given kinds (all kinds when omitted). */
  async spendAllOfUser(manager: EntityManager, userId: string, kinds?: LinkKind[]): Promise<void> {
    await manager.query(
      `UPDATE link_tokens SET used_at = now()
       WHERE user_id = $1 AND used_at IS NULL AND ($2::text[] IS NULL OR kind = ANY($2::text[]))`,
      [userId, kinds ?? null],
    );
  }

  /** Deletes up to `limit` links (used or not) that expired more than `seconds` ago. */
  async deleteExpiredBefore(seconds: number, limit: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM link_tokens WHERE id IN (
         SELECT id FROM link_tokens
         WHERE expires_at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      [seconds, limit],
    );
    return affected;
  }
}

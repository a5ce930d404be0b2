import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface FlowRow {
  provider: string;
  browser_hash: Buffer;
  return_to: string;
  link_user_id: string | null;
}

export interface CodeRow {
  provider: string;
  subject: string;
  user_id: string | null;
  email: string | null;
  email_verified: boolean;
  name: string;
}

export interface NewCode extends CodeRow {
  hash: Buffer;
}

const TABLES = {
  flows: ['oidc_flows', 'state_hash'],
  codes: ['oidc_codes', 'code_hash'],
  tickets: ['oidc_link_tickets', 'ticket_hash'],
} as const;

/**
 * Every statement on the flow tables (`oidc_flows`, `oidc_codes`, `oidc_link_tickets`): each
 * row is named by the SHA-256 of its secret and taken by one DELETE … RETURNING, so of two
 * simultaneous uses one wins, and an expired row is never taken.
 */
@Injectable()
export class OidcFlowsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async createFlow(stateHash: Buffer, flow: FlowRow, ttlSeconds: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO oidc_flows (state_hash, provider, browser_hash, return_to, link_user_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::float8))`,
      [stateHash, flow.provider, flow.browser_hash, flow.return_to, flow.link_user_id, ttlSeconds],
    );
  }

  async takeFlow(stateHash: Buffer): Promise<FlowRow | undefined> {
    const [rows] = await this.dataSource.query<[FlowRow[], number]>(
      `DELETE FROM oidc_flows WHERE state_hash = $1 AND expires_at > now()
       RETURNING provider, browser_hash, return_to, link_user_id`,
      [stateHash],
    );
    return rows[0];
  }

  async createCode(
    code: NewCode,
    ttlSeconds: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO oidc_codes (code_hash, provider, subject, user_id, email, email_verified, name, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8::float8))`,
      [
        code.hash,
        code.provider,
        code.subject,
        code.user_id,
        code.email,
        code.email_verified,
        code.name,
        ttlSeconds,
      ],
    );
  }

  async takeCode(codeHash: Buffer, manager: EntityManager): Promise<CodeRow | undefined> {
    const [rows] = await manager.query<[CodeRow[], number]>(
      `DELETE FROM oidc_codes WHERE code_hash = $1 AND expires_at > now()
       RETURNING provider, subject, user_id, email, email_verified, name`,
      [codeHash],
    );
    return rows[0];
  }

  async createTicket(
    ticketHash: Buffer,
    provider: string,
    userId: string,
    ttlSeconds: number,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO oidc_link_tickets (ticket_hash, provider, user_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::float8))`,
      [ticketHash, provider, userId, ttlSeconds],
    );
  }

  /** The ticket's user, if it is a live ticket for this provider. */
  async takeTicket(ticketHash: Buffer, provider: string): Promise<string | undefined> {
    const [rows] = await this.dataSource.query<[{ user_id: string }[], number]>(
      `DELETE FROM oidc_link_tickets
       WHERE ticket_hash = $1 AND provider = $2 AND expires_at > now()
       RETURNING user_id`,
      [ticketHash, provider],
    );
    return rows[0]?.user_id;
  }

  /**
   * Voids every pending flow, code and ticket of a user (their sessions were all ended), in
   * the revocation's transaction.
   */
  async deleteAllOfUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM oidc_flows WHERE link_user_id = $1`, [userId]);
    await manager.query(`DELETE FROM oidc_codes WHERE user_id = $1`, [userId]);
    await manager.query(`DELETE FROM oidc_link_tickets WHERE user_id = $1`, [userId]);
  }

  /** Deletes up to `limit` expired rows of one table. */
  async deleteExpired(table: keyof typeof TABLES, limit: number): Promise<number> {
    const [name, key] = TABLES[table];
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM ${name} WHERE ${key} IN (
         SELECT ${key} FROM ${name} WHERE expires_at < now() LIMIT $1::int)`,
      [limit],
    );
    return affected;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface AuditEventRow {
  type: string;
  at: Date;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

/** An event to record (the audit log's AuthEvent has this shape). */
export interface NewAuditEvent {
  type: string;
  at: Date;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

const COLUMNS_PER_EVENT = 7;

/** Every statement on `auth_events`. */
@Injectable()
export class AuditEventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One multi-row INSERT for the whole batch. */
  async insertMany(events: readonly NewAuditEvent[]): Promise<void> {
    const params: unknown[] = [];
    const rows = events.map((event, index) => {
      params.push(event.type, event.userId, event.sessionId, event.ip, event.userAgent);
      params.push(JSON.stringify(event.detail), event.at);
      const first = index * COLUMNS_PER_EVENT + 1;
      const placeholders = Array.from({ length: COLUMNS_PER_EVENT }, (_, i) => `$${first + i}`);
      return `(${placeholders.join(', ')})`;
    });
    await this.dataSource.query(
      `INSERT INTO auth_events (type, user_id, session_id, ip, user_agent, detail, at)
       VALUES ${rows.join(', ')}`,
      params,
    );
  }

  /** A user's newest events first. */
  recentFor(userId: string, limit: number): Promise<AuditEventRow[]> {
    return this.dataSource.query(
      `SELECT type, at, session_id, ip, user_agent, detail FROM auth_events
       WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [userId, limit],
    );
  }

  /** Deletes up to `limit` events older than `seconds`. */
  async deleteOlderThan(seconds: number, limit: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM auth_events WHERE id IN (
         SELECT id FROM auth_events WHERE at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      [seconds, limit],
    );
    return affected;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { MailKind, MailParams } from './templates';

/** A mail claimed for sending. */
export interface ClaimedMailRow {
  id: string;
  user_id: string;
  kind: MailKind;
  recipient: string;
  params: MailParams;
  attempts: number;
  created_at: Date;
}

/** Every statement on `mail_outbox`. */
@Injectable()
export class MailOutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Queues a mail, due at once; call it inside the transaction that creates its token. */
  async enqueue(
    manager: EntityManager,
    mail: { userId: string; kind: MailKind; recipient: string; params: MailParams },
  ): Promise<string> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO mail_outbox (user_id, kind, recipient, params)
       VALUES ($1, $2, $3, $4::jsonb) RETURNING id`,
      [mail.userId, mail.kind, mail.recipient, JSON.stringify(mail.params)],
    );
    return String(rows[0].id);
  }

  /**
   * Seconds left before another mail of this kind may be queued for this user (0 when it
   * may be now), counted from when the last one was queued.
   */
  async secondsUntilNext(
    manager: EntityManager,
    userId: string,
    kind: MailKind,
    intervalSeconds: number,
  ): Promise<number> {
    const rows: { wait: number | null }[] = await manager.query(
      `SELECT extract(epoch FROM max(created_at) + make_interval(secs => $3::float8) - now())::float8 AS wait
       FROM mail_outbox WHERE user_id = $1 AND kind = $2`,
      [userId, kind, intervalSeconds],
    );
    return Math.max(0, Number(rows[0]?.wait ?? 0));
  }

  /**
   * Claims up to `limit` due mails in one statement: rows another sender is claiming are
   * skipped (SKIP LOCKED), and each claimed row is pushed `claimSeconds` into the future, so
   * no other instance takes it while this one sends, and it comes due again if this one dies.
   */
  async claimDue(limit: number, claimSeconds: number): Promise<ClaimedMailRow[]> {
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows] = await this.dataSource.query<[ClaimedMailRow[], number]>(
      `UPDATE mail_outbox SET attempts = attempts + 1,
         next_attempt_at = now() + make_interval(secs => $2::float8)
       WHERE id IN (
         SELECT id FROM mail_outbox
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $1
         FOR UPDATE SKIP LOCKED)
       RETURNING id::text, user_id, kind, recipient, params, attempts, created_at`,
      [limit, claimSeconds],
    );
    return rows;
  }

  /** Marks a claimed mail sent and erases its link; false if the claim was lost meanwhile. */
  async markSent(id: string, attempts: number): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `UPDATE mail_outbox SET status = 'sent', sent_at = now(), params = '{}', last_error = NULL
       WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [id, attempts],
    );
    return affected > 0;
  }

  async scheduleRetry(
    id: string,
    attempts: number,
    delaySeconds: number,
    error: string,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE mail_outbox SET next_attempt_at = now() + make_interval(secs => $3::float8),
         last_error = $4
       WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [id, attempts, delaySeconds, error],
    );
  }

  /** Gives up on a mail: its link is erased, the reason kept. */
  async markFailed(id: string, attempts: number, error: string): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `UPDATE mail_outbox SET status = 'failed', params = '{}', last_error = $3
       WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [id, attempts, error],
    );
    return affected > 0;
  }
}

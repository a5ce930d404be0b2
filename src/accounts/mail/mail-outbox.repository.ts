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

/** A mail given up without a claim: its last attempt's claim lapsed. */
export interface ExhaustedMailRow {
  id: string;
  user_id: string;
  kind: MailKind;
  attempts: number;
  last_error: string;
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
   * Claims up to `limit` due mails with attempts left (fewer than `maxAttempts`) in one
   * statement: rows another sender is claiming are skipped (SKIP LOCKED), and each claimed
   * row is pushed `claimSeconds` into the future, so no other instance takes it while this
   * one sends (renewClaim keeps it so), and it comes due again if this one dies.
   */
  async claimDue(
    limit: number,
    claimSeconds: number,
    maxAttempts: number,
  ): Promise<ClaimedMailRow[]> {
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows] = await this.dataSource.query<[ClaimedMailRow[], number]>(
      `UPDATE mail_outbox SET attempts = attempts + 1,
         next_attempt_at = now() + make_interval(secs => $2::float8)
       WHERE id IN (
         SELECT id FROM mail_outbox
         WHERE status = 'pending' AND next_attempt_at <= now() AND attempts < $3
         ORDER BY next_attempt_at LIMIT $1
         FOR UPDATE SKIP LOCKED)
       RETURNING id::text, user_id, kind, recipient, params, attempts, created_at`,
      [limit, claimSeconds, maxAttempts],
    );
    return rows;
  }

  /** Pushes a claim that this sender still holds `claimSeconds` on; false if it was lost. */
  async renewClaim(id: string, attempts: number, claimSeconds: number): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `UPDATE mail_outbox SET next_attempt_at = now() + make_interval(secs => $3::float8)
       WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [id, attempts, claimSeconds],
    );
    return affected > 0;
  }

  /**
   * Gives up the due mails that have no attempt left: their last claim lapsed without an
   * outcome (the sender died or hung). Their links are erased; returns them for the log.
   */
  async failExhausted(limit: number, maxAttempts: number): Promise<ExhaustedMailRow[]> {
    const [rows] = await this.dataSource.query<[ExhaustedMailRow[], number]>(
      `UPDATE mail_outbox SET status = 'failed', params = '{}',
         last_error = coalesce(last_error, 'the claim of the last attempt lapsed')
       WHERE id IN (
         SELECT id FROM mail_outbox
         WHERE status = 'pending' AND next_attempt_at <= now() AND attempts >= $2
         ORDER BY next_attempt_at LIMIT $1
         FOR UPDATE SKIP LOCKED)
       RETURNING id::text, user_id, kind, attempts, last_error`,
      [limit, maxAttempts],
    );
    return rows;
  }

  /**
   * Marks a mail sent and erases its link, by id alone: once any sender got it out, it is
   * sent, even if its claim lapsed and another sender holds the row now. False if it was no
   * longer pending.
   */
  async markSent(id: string): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `UPDATE mail_outbox SET status = 'sent', sent_at = now(), params = '{}', last_error = NULL
       WHERE id = $1 AND status = 'pending'`,
      [id],
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

  /** How many mails wait to be sent, counted up to `cap` (the due index holds only those). */
  async countPending(cap: number): Promise<number> {
    const rows: { pending: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS pending FROM (
         SELECT 1 FROM mail_outbox WHERE status = 'pending' LIMIT $1::int) AS waiting`,
      [cap],
    );
    return rows[0]?.pending ?? 0;
  }

  /** Deletes up to `limit` sent or failed mails queued more than `seconds` ago. */
  async deleteDoneOlderThan(seconds: number, limit: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM mail_outbox WHERE id IN (
         SELECT id FROM mail_outbox
         WHERE status <> 'pending' AND created_at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      [seconds, limit],
    );
    return affected;
  }
}

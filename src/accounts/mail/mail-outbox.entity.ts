import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../../users/user.entity';

/** A mail waiting to be sent, written in the same transaction as the token it carries. */
@Entity({ name: 'mail_outbox' })
@Check('mail_outbox_status_check', `status IN ('pending', 'sent', 'failed')`)
// The migration orders `created_at` DESC; @Index cannot say so, and the schema builder
// compares only an index's columns, so this declaration matches it.
@Index('mail_outbox_user_kind_idx', ['userId', 'kind', 'createdAt'])
/** What the cleanup prunes after AUTH_RETENTION: sent and failed mails, by age. */
@Index('mail_outbox_done_idx', ['createdAt'], { where: "status <> 'pending'::text" })
export class MailOutboxEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;

  @ForeignKey(() => User, { name: 'mail_outbox_user_id_fkey', onDelete: 'CASCADE' })
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @Column('text') kind!: string;
  @Column('text') recipient!: string;
  @Column('jsonb', { default: () => "'{}'" }) params!: Record<string, unknown>;
  @Column('text', { default: 'pending' }) status!: 'pending' | 'sent' | 'failed';
  @Column('integer', { default: 0 }) attempts!: number;

  /** What the sender claims: due, pending rows (FOR UPDATE SKIP LOCKED). */
  @Index('mail_outbox_due_idx', { where: "status = 'pending'::text" })
  @Column('timestamptz', { name: 'next_attempt_at', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt!: Date | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
}

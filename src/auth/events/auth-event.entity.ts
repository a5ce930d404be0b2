import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One audit event (AuditLog writes them in batches). No foreign keys: a user's trail
 * outlives the user, until AUTH_EVENTS_RETENTION prunes it.
 */
@Entity({ name: 'auth_events' })
// The migration orders `at` DESC; @Index cannot say so, and the schema builder compares
// only an index's columns, so this declaration matches it.
@Index('auth_events_user_id_at_idx', ['userId', 'at'])
export class AuthEventRecord {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text') type!: string;
  @Column('uuid', { name: 'user_id', nullable: true }) userId!: string | null;
  @Column('uuid', { name: 'session_id', nullable: true }) sessionId!: string | null;
  @Column('text', { nullable: true }) ip!: string | null;
  @Column('text', { name: 'user_agent', nullable: true }) userAgent!: string | null;
  @Column('jsonb', { default: () => "'{}'" }) detail!: Record<string, unknown>;

  @Index('auth_events_at_idx')
  @Column('timestamptz', { default: () => 'now()' })
  at!: Date;
}

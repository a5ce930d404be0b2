import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Session } from './session.entity';

/**
 * One link of a session's rotation chain. Only a SHA-256 of the secret is stored; the
 * unique index on `parent_id` lets the database itself refuse a second successor.
 */
@Entity({ name: 'refresh_tokens' })
export class RefreshToken {
  @PrimaryColumn('uuid') id!: string;

  @Index('refresh_tokens_session_id_idx')
  @Column('uuid', { name: 'session_id' })
  sessionId!: string;

  @ManyToOne(() => Session, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'refresh_tokens_session_id_fkey' })
  session?: Session;

  @Index('refresh_tokens_parent_id_key', { unique: true, where: 'parent_id IS NOT NULL' })
  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId!: string | null;

  @Column('bytea', { name: 'secret_hash', select: false }) secretHash!: Buffer;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Index('refresh_tokens_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
  /** Set when this token is spent by a rotation. */
  @Column('timestamptz', { name: 'rotated_at', nullable: true }) rotatedAt!: Date | null;
}

import { Column, Entity, Index, ManyToOne, JoinColumn, PrimaryColumn } from 'typeorm';
import { User } from '../../users/user.entity';

/** A sign-in on one device: the rotation family of its refresh tokens. */
@Entity({ name: 'sessions' })
export class Session {
  @PrimaryColumn('uuid') id!: string;

  @Index('sessions_user_id_idx')
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'sessions_user_id_fkey' })
  user?: User;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_used_at', default: () => 'now()' }) lastUsedAt!: Date;

  /** Slides forward on each rotation, never past `absoluteExpiresAt`. */
  @Index('sessions_idle_expires_at_idx')
  @Column('timestamptz', { name: 'idle_expires_at' })
  idleExpiresAt!: Date;
  /** Fixed at sign-in. */
  @Column('timestamptz', { name: 'absolute_expires_at' }) absoluteExpiresAt!: Date;

  @Column('text', { name: 'user_agent', nullable: true }) userAgent!: string | null;
  @Column('text', { nullable: true }) ip!: string | null;

  /** How the user authenticated (RFC 8176 `amr`), copied into every access token. */
  @Column('text', { array: true, default: () => "'{pwd}'" })
  amr!: string[];

  @Index('sessions_revoked_at_idx', { where: 'revoked_at IS NOT NULL' })
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
  @Column('text', { name: 'revoke_reason', nullable: true }) revokeReason!: string | null;
}

import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { LinkKind } from './link-token';
import { User } from '../../users/user.entity';

/** The token of a mailed link, as a SHA-256 only; `used_at` spends it. */
@Entity({ name: 'link_tokens' })
@Check('link_tokens_kind_check', `kind IN ('verify_email', 'reset_password', 'change_email')`)
@Unique('link_tokens_token_hash_key', ['tokenHash'])
@Index('link_tokens_user_kind_idx', ['userId', 'kind'], { where: 'used_at IS NULL' })
export class LinkToken {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;

  @ForeignKey(() => User, { name: 'link_tokens_user_id_fkey', onDelete: 'CASCADE' })
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @Column('text') kind!: LinkKind;
  @Column('bytea', { name: 'token_hash', select: false }) tokenHash!: Buffer;
  /** The address a change_email link confirms. */
  @Column('text', { name: 'new_email', nullable: true }) newEmail!: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;

  @Index('link_tokens_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true }) usedAt!: Date | null;
}

import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { User } from '../../users/user.entity';

/** A pending second step of a login, named by the SHA-256 of its `mfaToken`. */
@Entity({ name: 'mfa_challenges' })
export class MfaChallenge {
  @PrimaryColumn('bytea', { name: 'token_hash' }) tokenHash!: Buffer;

  @Index('mfa_challenges_user_id_idx')
  @ForeignKey(() => User, { name: 'mfa_challenges_user_id_fkey', onDelete: 'CASCADE' })
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Index('mfa_challenges_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
  /** Wrong codes so far (and guesses reserved but not yet judged). */
  @Column('integer', { default: 0 }) failures!: number;
  @Column('timestamptz', { name: 'used_at', nullable: true }) usedAt!: Date | null;
  /** The user's `password_changed_at` when the password was verified: the session opens only while it holds. */
  @Column('timestamptz', { name: 'password_changed_at' }) passwordChangedAt!: Date;
  /** The `amr` of the step that started it: the second step's session starts from these. */
  @Column('text', { name: 'first_step', array: true, default: () => "'{pwd}'" })
  firstStep!: string[];
}

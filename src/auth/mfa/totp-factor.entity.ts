import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { User } from '../../users/user.entity';

/** A user's TOTP secret, sealed with a key kept outside the database. */
@Entity({ name: 'totp_factors' })
export class TotpFactor {
  @ForeignKey(() => User, { name: 'totp_factors_user_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn('uuid', { name: 'user_id' })
  userId!: string;

  @Column('bytea', { name: 'secret_ciphertext', select: false }) secretCiphertext!: Buffer;
  /** Which key of the ring sealed the secret. */
  @Column('text', { name: 'key_id' }) keyId!: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  /** Null while the enrolment is pending. */
  @Column('timestamptz', { name: 'confirmed_at', nullable: true }) confirmedAt!: Date | null;
  /** The 30 s step of the last accepted code: only a later one is accepted after it. */
  @Column('bigint', { name: 'last_used_step', nullable: true }) lastUsedStep!: string | null;
}

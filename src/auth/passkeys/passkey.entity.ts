import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { User } from '../../users/user.entity';

/** One WebAuthn credential of an account, with what verifying its next assertion needs. */
@Entity({ name: 'passkeys' })
@Unique('passkeys_credential_id_key', ['credentialId'])
export class Passkey {
  @PrimaryGeneratedColumn('uuid') id!: string;

  @Index('passkeys_user_id_idx')
  @ForeignKey(() => User, { name: 'passkeys_user_id_fkey', onDelete: 'CASCADE' })
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  /** The authenticator's credential id (raw bytes), unique across every account. */
  @Column('bytea', { name: 'credential_id' }) credentialId!: Buffer;
  /** The COSE_Key the registration carried. */
  @Column('bytea', { name: 'public_key' }) publicKey!: Buffer;
  /** The last signature counter seen; a later one must be greater unless both are zero. */
  @Column('bigint', { default: 0 }) counter!: string;
  @Column('text', { array: true, default: () => "'{}'" }) transports!: string[];
  @Column('boolean', { name: 'backed_up', default: false }) backedUp!: boolean;
  /** `singleDevice` or `multiDevice` (the backup-eligible flag at registration). */
  @Column('text', { name: 'device_type' }) deviceType!: string;
  @Column('text') aaguid!: string;
  @Column('text') name!: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
}

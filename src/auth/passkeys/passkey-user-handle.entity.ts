import { Column, Entity, ForeignKey, PrimaryColumn, Unique } from 'typeorm';
import { User } from '../../users/user.entity';

/**
 * The opaque `user.id` an authenticator keeps for an account (WebAuthn's user handle): 32
 * random bytes, so a passkey never carries the user id or the address.
 */
@Entity({ name: 'passkey_user_handles' })
@Unique('passkey_user_handles_handle_key', ['handle'])
export class PasskeyUserHandle {
  @ForeignKey(() => User, { name: 'passkey_user_handles_user_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn('uuid', { name: 'user_id' })
  userId!: string;

  @Column('bytea') handle!: Buffer;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
}

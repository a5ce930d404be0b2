import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { User } from '../../users/user.entity';

/**
 * A pending WebAuthn ceremony, named by the SHA-256 of its challenge: single use (deleted as
 * it is spent), 5 minutes, and bound by its purpose to a session (register), an address
 * (signup), an mfaToken (second_step) or nothing (login, any discoverable credential).
 */
@Entity({ name: 'passkey_challenges' })
export class PasskeyChallenge {
  @PrimaryColumn('bytea', { name: 'challenge_hash' }) challengeHash!: Buffer;
  @Column('text') purpose!: string;

  @Index('passkey_challenges_user_id_idx')
  @ForeignKey(() => User, { name: 'passkey_challenges_user_id_fkey', onDelete: 'CASCADE' })
  @Column('uuid', { name: 'user_id', nullable: true })
  userId!: string | null;

  @Column('uuid', { name: 'session_id', nullable: true }) sessionId!: string | null;
  @Column('text', { nullable: true }) email!: string | null;
  @Column('text', { nullable: true }) name!: string | null;
  @Column('bytea', { name: 'user_handle', nullable: true }) userHandle!: Buffer | null;
  @Column('bytea', { name: 'mfa_token_hash', nullable: true }) mfaTokenHash!: Buffer | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Index('passkey_challenges_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
}

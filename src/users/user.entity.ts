import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@Entity({ name: 'users' })
// The migration's UNIQUE index on the expression lower(email), which @Index cannot state
// (it takes columns, not expressions): declared by name with synchronize: false (a form that
// takes no other option), so the schema builder neither drops nor recreates it.
@Index('users_email_lower_key', { synchronize: false })
export class User {
  @PrimaryGeneratedColumn('uuid') id!: string;

  /** Stored trimmed and lower-cased; unique case-insensitively (index on lower(email)). */
  @Column('text') email!: string;

  @Column('text', { default: '' }) name!: string;

  /**
   * argon2id PHC string; never leaves the service. Null for an account signed up with a
   * passkey or an identity provider, until it sets a password.
   */
  @Column('text', { name: 'password_hash', select: false, nullable: true })
  passwordHash!: string | null;

  @Column('text', { array: true, default: () => "'{user}'" }) roles!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;

  @Column('timestamptz', { name: 'password_changed_at', default: () => 'now()' })
  passwordChangedAt!: Date;

  /** Set when the user followed a link mailed to `email` (or an operator vouched for it). */
  @Column('boolean', { name: 'email_verified', default: false }) emailVerified!: boolean;

  /** Set by an administrator: every session ends and login answers 403 account_disabled. */
  @Column('boolean', { default: false }) disabled!: boolean;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Consecutive failed logins of one normalised email, whether or not an account has it, so
 * the lockout behaves the same for every address.
 */
@Entity({ name: 'login_attempts' })
export class LoginAttemptRecord {
  @PrimaryColumn('text') email!: string;
  @Column('integer', { name: 'failed_count', default: 0 }) failedCount!: number;
  @Column('timestamptz', { name: 'locked_until', nullable: true }) lockedUntil!: Date | null;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

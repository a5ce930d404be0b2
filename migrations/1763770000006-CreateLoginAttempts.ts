import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consecutive failed logins per normalised email, whether or not a user has that email, so
 * the lockout behaves the same for every address and reveals nothing.
 */
export class CreateLoginAttempts1763770000006 implements MigrationInterface {
  name = 'CreateLoginAttempts1763770000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE login_attempts (
        email text PRIMARY KEY,
        failed_count integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE login_attempts`);
  }
}

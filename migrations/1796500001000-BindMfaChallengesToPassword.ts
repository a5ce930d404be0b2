import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Binds each pending second step to the password it was started with (issue 18 #2): the
 * `password_changed_at` of the user as the password was verified; login/mfa opens a session
 * only while it still holds. Pending challenges cannot be bound after the fact: they go (a
 * login half done at the upgrade starts again).
 */
export class BindMfaChallengesToPassword1796500001000 implements MigrationInterface {
  name = 'BindMfaChallengesToPassword1796500001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM mfa_challenges`);
    await q.query(`ALTER TABLE mfa_challenges ADD COLUMN password_changed_at timestamptz NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mfa_challenges DROP COLUMN password_changed_at`);
  }
}

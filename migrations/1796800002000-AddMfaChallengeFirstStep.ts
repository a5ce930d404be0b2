import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A pending second step remembers what its first step was (`{pwd}`, or `{fed}` after an
 * identity provider), so the session it opens says so in its `amr`.
 */
export class AddMfaChallengeFirstStep1796800002000 implements MigrationInterface {
  name = 'AddMfaChallengeFirstStep1796800002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE mfa_challenges ADD COLUMN first_step text[] NOT NULL DEFAULT '{pwd}'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mfa_challenges DROP COLUMN first_step`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Accounts (v1.1): whether the address is proven, and whether an administrator disabled it. */
export class AddUserVerifiedAndDisabled1796200000000 implements MigrationInterface {
  name = 'AddUserVerifiedAndDisabled1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN email_verified boolean NOT NULL DEFAULT false,
        ADD COLUMN disabled boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN email_verified, DROP COLUMN disabled`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An account may have no password (v1.2): one signed up with a passkey or an identity
 * provider. Login answers such an account invalid_credentials; it can gain a password later.
 */
export class AllowUsersWithoutPassword1796600000000 implements MigrationInterface {
  name = 'AllowUsersWithoutPassword1796600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Accounts without a password cannot be kept by the older schema.
    await q.query(`DELETE FROM users WHERE password_hash IS NULL`);
    await q.query(`ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL`);
  }
}

import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Server-side secrets shared by every instance (the refresh-token derivation key). Created
 * here with random bytes, so no instance has to race to make one.
 */
export class CreateServerSecrets1763770000004 implements MigrationInterface {
  name = 'CreateServerSecrets1763770000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE server_secrets (
        name text PRIMARY KEY,
        value bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO server_secrets (name, value) VALUES ('refresh_derivation', $1)`, [
      randomBytes(32),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE server_secrets`);
  }
}

import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The refresh-token derivation key now lives outside the database (AUTH_REFRESH_KEY,
 * AUTH_REFRESH_KEY_FILE, or a development key file under DATA_DIR): with it in the same
 * database as the `parent_id` chain, a database read plus one old spent refresh token yielded
 * the live one. The table is dropped, not emptied, so its file leaves the data directory and
 * no backup taken from now on holds the key. Tokens issued under it keep refreshing (a refresh
 * compares hashes; the key only re-derives a successor on a grace-window replay).
 */
export class DropServerSecrets1796135434971 implements MigrationInterface {
  name = 'DropServerSecrets1796135434971';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS server_secrets`);
  }

  /** Puts the table back as CreateServerSecrets made it, with a new key: the old one is gone. */
  async down(q: QueryRunner): Promise<void> {
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
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleting a user deletes their sessions (ON DELETE CASCADE), and with them the rows an
 * instance reads, when it starts or its revocation listener reconnects, to learn which
 * sessions were revoked while their access tokens may still be unexpired. This table keeps
 * the ids of a deleted user's sessions (nothing else: no user id, no address) for that long,
 * so those access tokens stay refused on every instance until they expire.
 */
export class CreateDeletedSessions1796300000000 implements MigrationInterface {
  name = 'CreateDeletedSessions1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deleted_sessions (
        id uuid PRIMARY KEY,
        deleted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX deleted_sessions_deleted_at_idx ON deleted_sessions (deleted_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deleted_sessions`);
  }
}

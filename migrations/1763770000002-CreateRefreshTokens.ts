import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRefreshTokens1763770000002 implements MigrationInterface {
  name = 'CreateRefreshTokens1763770000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        parent_id uuid,
        secret_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id)`);
    // At most one successor per token, enforced by the database itself.
    await q.query(
      `CREATE UNIQUE INDEX refresh_tokens_parent_id_key ON refresh_tokens (parent_id) WHERE parent_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refresh_tokens`);
  }
}

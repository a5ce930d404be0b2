import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tokens of mailed links (verify the address, reset the password, confirm a new address):
 * only a SHA-256 of each is kept; `used_at` spends one, in one conditional UPDATE.
 */
export class CreateLinkTokens1796200002000 implements MigrationInterface {
  name = 'CreateLinkTokens1796200002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE link_tokens (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('verify_email', 'reset_password', 'change_email')),
        token_hash bytea NOT NULL,
        new_email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CONSTRAINT link_tokens_token_hash_key UNIQUE (token_hash),
        CONSTRAINT link_tokens_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX link_tokens_user_kind_idx ON link_tokens (user_id, kind) WHERE used_at IS NULL`,
    );
    await q.query(`CREATE INDEX link_tokens_expires_at_idx ON link_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE link_tokens`);
  }
}

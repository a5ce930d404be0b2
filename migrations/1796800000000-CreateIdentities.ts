import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identities at identity providers linked to accounts (docs/api.md, "Sign in with an identity
 * provider"): one provider account (provider id + its `sub`) belongs to at most one user; the
 * address the provider gave when it was linked is kept for the user's list.
 */
export class CreateIdentities1796800000000 implements MigrationInterface {
  name = 'CreateIdentities1796800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        provider text NOT NULL,
        subject text NOT NULL,
        user_id uuid NOT NULL,
        email text,
        linked_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        CONSTRAINT identities_provider_subject_key UNIQUE (provider, subject),
        CONSTRAINT identities_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX identities_user_id_idx ON identities (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identities`);
  }
}

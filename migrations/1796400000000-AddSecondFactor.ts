import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The second factor (docs/api.md, "Second factor"): a TOTP secret per user, encrypted with a
 * key kept outside the database; recovery codes and pending second steps (`mfaToken`), both
 * only as SHA-256 hashes; and the factors each session was opened with (`amr`, RFC 8176),
 * which refresh copies into every access token of the session.
 */
export class AddSecondFactor1796400000000 implements MigrationInterface {
  name = 'AddSecondFactor1796400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}'`);
    // confirmed_at NULL: an enrolment started and not yet confirmed. last_used_step: the
    // 30 s step of the last accepted code; only a later step is accepted after it.
    await q.query(`
      CREATE TABLE totp_factors (
        user_id uuid PRIMARY KEY,
        secret_ciphertext bytea NOT NULL,
        key_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        last_used_step bigint,
        CONSTRAINT totp_factors_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE recovery_codes (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL,
        code_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz,
        CONSTRAINT recovery_codes_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX recovery_codes_user_id_idx ON recovery_codes (user_id)`);
    await q.query(`
      CREATE TABLE mfa_challenges (
        token_hash bytea PRIMARY KEY,
        user_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        failures int NOT NULL DEFAULT 0,
        used_at timestamptz,
        CONSTRAINT mfa_challenges_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX mfa_challenges_user_id_idx ON mfa_challenges (user_id)`);
    await q.query(`CREATE INDEX mfa_challenges_expires_at_idx ON mfa_challenges (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mfa_challenges`);
    await q.query(`DROP TABLE recovery_codes`);
    await q.query(`DROP TABLE totp_factors`);
    await q.query(`ALTER TABLE sessions DROP COLUMN amr`);
  }
}

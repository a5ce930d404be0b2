import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys (docs/api.md, "Passkeys"): each account's WebAuthn credentials with what verifying
 * them later needs (COSE public key, signature counter) and what the list shows; the opaque
 * handle an authenticator stores as `user.id` (never the user id or the address); and the
 * pending challenges, only as SHA-256 hashes, each with its purpose and what it is bound to.
 */
export class CreatePasskeys1796700000000 implements MigrationInterface {
  name = 'CreatePasskeys1796700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE passkey_user_handles (
        user_id uuid PRIMARY KEY,
        handle bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT passkey_user_handles_handle_key UNIQUE (handle),
        CONSTRAINT passkey_user_handles_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE passkeys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        credential_id bytea NOT NULL,
        public_key bytea NOT NULL,
        counter bigint NOT NULL DEFAULT 0,
        transports text[] NOT NULL DEFAULT '{}',
        backed_up boolean NOT NULL DEFAULT false,
        device_type text NOT NULL,
        aaguid text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id),
        CONSTRAINT passkeys_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX passkeys_user_id_idx ON passkeys (user_id)`);
    // purpose: register (bound to user_id + session_id), signup (email, name, user_handle),
    // login (nothing: any discoverable credential), second_step (mfa_token_hash).
    await q.query(`
      CREATE TABLE passkey_challenges (
        challenge_hash bytea PRIMARY KEY,
        purpose text NOT NULL,
        user_id uuid,
        session_id uuid,
        email text,
        name text,
        user_handle bytea,
        mfa_token_hash bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CONSTRAINT passkey_challenges_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX passkey_challenges_expires_at_idx ON passkey_challenges (expires_at)`,
    );
    await q.query(`CREATE INDEX passkey_challenges_user_id_idx ON passkey_challenges (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE passkey_challenges`);
    await q.query(`DROP TABLE passkeys`);
    await q.query(`DROP TABLE passkey_user_handles`);
  }
}

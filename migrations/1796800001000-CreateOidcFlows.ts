import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The short-lived state of a sign-in with an identity provider, every secret only as its
 * SHA-256: the flow between start and callback (its `state`, and the browser cookie it is
 * bound to; the PKCE verifier and the nonce are derived from that cookie, so they are not
 * stored at all), the one-time code the callback hands the app, and the one-time URL that
 * starts a flow linking an identity to a signed-in user.
 */
export class CreateOidcFlows1796800001000 implements MigrationInterface {
  name = 'CreateOidcFlows1796800001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE oidc_flows (
        state_hash bytea PRIMARY KEY,
        provider text NOT NULL,
        browser_hash bytea NOT NULL,
        return_to text NOT NULL,
        link_user_id uuid,
        expires_at timestamptz NOT NULL,
        CONSTRAINT oidc_flows_link_user_id_fkey FOREIGN KEY (link_user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX oidc_flows_expires_at_idx ON oidc_flows (expires_at)`);
    await q.query(`CREATE INDEX oidc_flows_link_user_id_idx ON oidc_flows (link_user_id)`);
    // user_id NULL: a new account, opened by the exchange from the provider's claims.
    await q.query(`
      CREATE TABLE oidc_codes (
        code_hash bytea PRIMARY KEY,
        provider text NOT NULL,
        subject text NOT NULL,
        user_id uuid,
        email text,
        email_verified boolean NOT NULL DEFAULT false,
        name text NOT NULL DEFAULT '',
        expires_at timestamptz NOT NULL,
        CONSTRAINT oidc_codes_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX oidc_codes_expires_at_idx ON oidc_codes (expires_at)`);
    await q.query(`CREATE INDEX oidc_codes_user_id_idx ON oidc_codes (user_id)`);
    await q.query(`
      CREATE TABLE oidc_link_tickets (
        ticket_hash bytea PRIMARY KEY,
        provider text NOT NULL,
        user_id uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT oidc_link_tickets_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX oidc_link_tickets_expires_at_idx ON oidc_link_tickets (expires_at)`,
    );
    await q.query(`CREATE INDEX oidc_link_tickets_user_id_idx ON oidc_link_tickets (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oidc_link_tickets`);
    await q.query(`DROP TABLE oidc_codes`);
    await q.query(`DROP TABLE oidc_flows`);
  }
}

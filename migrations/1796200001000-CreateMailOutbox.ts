import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Mail waiting to be sent, written in the same transaction as the token it carries. A sender
 * claims due rows (FOR UPDATE SKIP LOCKED), sends them and marks them sent; a failure moves
 * `next_attempt_at` forward until the attempts run out. A deleted user's mails go with them.
 */
export class CreateMailOutbox1796200001000 implements MigrationInterface {
  name = 'CreateMailOutbox1796200001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mail_outbox (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL,
        kind text NOT NULL,
        recipient text NOT NULL,
        params jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        last_error text,
        CONSTRAINT mail_outbox_user_id_fkey FOREIGN KEY (user_id)
          REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX mail_outbox_user_kind_idx ON mail_outbox (user_id, kind, created_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mail_outbox`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sent and failed mails are pruned after AUTH_RETENTION (they keep old recipients'
 * addresses); this index finds them by age in bounded batches.
 */
export class AddMailOutboxDoneIndex1796500000000 implements MigrationInterface {
  name = 'AddMailOutboxDoneIndex1796500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX mail_outbox_done_idx ON mail_outbox (created_at) WHERE status <> 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX mail_outbox_done_idx`);
  }
}

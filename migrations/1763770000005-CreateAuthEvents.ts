import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuthEvents1763770000005 implements MigrationInterface {
  name = 'CreateAuthEvents1763770000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE auth_events (
        id bigserial PRIMARY KEY,
        type text NOT NULL,
        user_id uuid,
        session_id uuid,
        ip text,
        user_agent text,
        detail jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX auth_events_user_id_at_idx ON auth_events (user_id, at DESC)`);
    await q.query(`CREATE INDEX auth_events_at_idx ON auth_events (at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE auth_events`);
  }
}

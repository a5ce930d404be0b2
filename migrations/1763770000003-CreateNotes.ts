import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotes1763770000003 implements MigrationInterface {
  name = 'CreateNotes1763770000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX notes_user_id_created_at_idx ON notes (user_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notes`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Runs with Latch's migrations (the `connection` extra of LatchModule.forRootAsync). */
export class CreateProjects1800000000000 implements MigrationInterface {
  name = 'CreateProjects1800000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public.projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX projects_owner_id_idx ON public.projects (owner_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.projects`);
  }
}

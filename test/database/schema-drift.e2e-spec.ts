import { startApp, TestApp } from '../support/test-app';

/**
 * The entities must describe the schema the migrations build. TypeORM's schema builder
 * compares the two and proposes SQL for every difference: an index an entity leaves out
 * would be dropped by `npm run migration:generate`, so any proposal here is drift.
 */
describe('schema drift', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(); // a fresh database, migrated on start as the app does
  });
  afterAll(() => t.close());

  it('the entities match the migrated schema: the schema builder proposes nothing', async () => {
    const sql = await t.dataSource.driver.createSchemaBuilder().log();
    const proposed = sql.upQueries.map((query) => query.query);
    if (proposed.length > 0) {
      throw new Error(
        `TypeORM would change the migrated ${t.db.kind} schema to match the entities; ` +
          `declare on the entities what the migrations create:\n${proposed.join(';\n')};`,
      );
    }
    expect(proposed).toEqual([]);
  });

  // The schema builder ignores a table no entity names, so a table without one is unchecked.
  it('every table the migrations make has an entity', async () => {
    const rows = await t.sql<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> $1`,
      [t.dataSource.options.migrationsTableName ?? 'migrations'],
    );
    const withEntity = new Set(t.dataSource.entityMetadatas.map((metadata) => metadata.tableName));
    expect(rows.map((row) => row.name).filter((name) => !withEntity.has(name))).toEqual([]);
  });

  // The schema builder compares an index's name, columns and uniqueness, not its WHERE.
  it('declares each partial index with the predicate the migration gave it', async () => {
    const normalise = (where?: string) => (where ?? '').replace(/[()\s]+/g, ' ').trim();
    const runner = t.dataSource.createQueryRunner();
    try {
      for (const metadata of t.dataSource.entityMetadatas) {
        const table = await runner.getTable(metadata.tablePath);
        for (const index of metadata.indices.filter((declared) => declared.synchronize)) {
          const actual = table?.indices.find((existing) => existing.name === index.name);
          expect({ index: index.name, where: normalise(actual?.where) }).toEqual({
            index: index.name,
            where: normalise(index.where),
          });
        }
      }
    } finally {
      await runner.release();
    }
  });
});

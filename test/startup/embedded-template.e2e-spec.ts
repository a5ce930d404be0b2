import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTemplate, initialiseFromTemplate } from '../../src/database/embedded-template';

describe('embedded database template', () => {
  const root = mkdtempSync(join(tmpdir(), 'latch-template-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('gives each new data directory its own copy of an initialised cluster', async () => {
    const template = await ensureTemplate();
    const first = join(root, 'first');
    const second = join(root, 'second');
    for (const dir of [first, second]) {
      mkdirSync(dir);
      await initialiseFromTemplate(dir);
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
    }

    const a = await PGlite.create(first);
    await a.exec(`CREATE TABLE only_in_first (id int); INSERT INTO only_in_first VALUES (1)`);
    await a.close();
    const b = await PGlite.create(second);
    const tables = await b.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_in_first'`,
    );
    await b.close();
    expect(tables.rows[0].n).toBe(0);
    // The template itself is left untouched by both.
    expect(existsSync(join(template, 'PG_VERSION'))).toBe(true);
    const again = await PGlite.create(first);
    expect((await again.query('SELECT id FROM only_in_first')).rows).toEqual([{ id: 1 }]);
    await again.close();
  });

  it('leaves an existing database alone', async () => {
    const dir = join(root, 'existing');
    mkdirSync(dir);
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    await initialiseFromTemplate(dir);
    expect(existsSync(join(dir, 'base'))).toBe(false);
  });
});

import { PGlite } from '@electric-sql/pglite';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** Present in every initialised PostgreSQL data directory. */
const MARKER = 'PG_VERSION';

/**
 * A freshly initialised PGlite data directory, made once per PGlite version under
 * node_modules/.cache and copied into every new DATA_DIR: initdb is most of a first start
 * (2–3 s), the copy about 0.2 s. It holds no data and no secrets; those come from the
 * migrations, which run on the copy as on any new database.
 */
export async function initialiseFromTemplate(pgdata: string): Promise<void> {
  if (existsSync(join(pgdata, MARKER))) return; // an existing database
  const template = await ensureTemplate().catch(() => undefined); // read-only cache: plain initdb
  if (template) cpSync(template, pgdata, { recursive: true });
}

/** Makes the template if it is missing; concurrent makers race and the first rename wins. */
export async function ensureTemplate(): Promise<string> {
  const template = templatePath();
  if (existsSync(join(template, MARKER))) return template;
  mkdirSync(dirname(template), { recursive: true });
  const staging = mkdtempSync(`${template}.staging-`);
  try {
    const db = await PGlite.create(staging);
    await db.close();
    renameSync(staging, template);
  } catch (error) {
    if (!existsSync(join(template, MARKER))) throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return template;
}

function templatePath(): string {
  const entry = require.resolve('@electric-sql/pglite');
  const marker = `${sep}node_modules${sep}`;
  const modules = entry.slice(0, entry.lastIndexOf(marker) + marker.length - 1);
  const manifest = join(modules, '@electric-sql', 'pglite', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return join(modules, '.cache', 'latch', `pglite-${version}-pgdata`);
}

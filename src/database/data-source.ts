import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { notesMigrations } from '../notes/notes.schema';
import { Note } from '../notes/note.entity';
import { typeormOptions } from './typeorm-options';

/**
 * The DataSource the TypeORM CLI uses (migration:run / revert / generate) for the standalone
 * service: Latch's tables and the notes example. It needs a real PostgreSQL: set
 * DATABASE_URL. The embedded database applies migrations on `npm start`.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL must be set for the TypeORM CLI (the app migrates PGlite itself)');
}
export default new DataSource({
  ...typeormOptions({
    url,
    poolSize: 2,
    migrateOnStart: false,
    entities: [Note],
    migrations: notesMigrations,
  }),
  migrationsRun: false,
});

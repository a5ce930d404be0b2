import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { typeormOptions } from './typeorm-options';

/**
 * The DataSource the TypeORM CLI uses (migration:run / revert / generate). It needs a real
 * PostgreSQL: set DATABASE_URL. The embedded database applies migrations on `npm start`.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL must be set for the TypeORM CLI (the app migrates PGlite itself)');
}
export default new DataSource(typeormOptions(url, 2, false));

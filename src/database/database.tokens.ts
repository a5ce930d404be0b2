/** The database URL the app uses: DATABASE_URL, or the embedded server's loopback address. */
export const DATABASE_URL = Symbol('DATABASE_URL');
/** The embedded PostgreSQL, or null when DATABASE_URL names an external one. */
export const EMBEDDED = Symbol('EMBEDDED_POSTGRES');

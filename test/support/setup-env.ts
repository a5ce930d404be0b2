// Runs before every e2e spec file. DATABASE_URL, when set, names the server on which each
// spec creates (and drops) its own database; it is moved aside so no app uses it directly.
if (process.env.DATABASE_URL && !process.env.LATCH_TEST_SERVER_URL) {
  process.env.LATCH_TEST_SERVER_URL = process.env.DATABASE_URL;
}
delete process.env.DATABASE_URL;
process.env.LOG_LEVEL ??= 'silent';
process.env.NODE_ENV = 'test';

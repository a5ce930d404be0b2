// Baseline: the refresh rotation as pure SQL against the same PostgreSQL and the same
// tables. One transaction per rotation (find the token row by key with a lock, mark it
// rotated, insert the successor), each client chaining its own session.

const { createHash, randomBytes, randomUUID } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { Client } = require('pg');
const { cpuProbe } = require('../cpu');
const { createRecorder } = require('../stats');

const ROTATION_SQL = [
  'BEGIN',
  'SELECT session_id FROM refresh_tokens WHERE id = $1 AND rotated_at IS NULL FOR UPDATE',
  'UPDATE refresh_tokens SET rotated_at = now() WHERE id = $1',
  `INSERT INTO refresh_tokens (id, session_id, parent_id, secret_hash, expires_at)
   VALUES ($1, $2, $3, $4, now() + interval '14 days')`,
  'COMMIT',
];

const secretHash = () => createHash('sha256').update(randomBytes(32)).digest();

/** One session with a first token per client, made directly in SQL. */
async function openSessions(client, userId, count) {
  const { rows } = await client.query(
    `WITH s AS (
       INSERT INTO sessions (id, user_id, idle_expires_at, absolute_expires_at, user_agent)
       SELECT gen_random_uuid(), $1, now() + interval '14 days', now() + interval '30 days',
              'latch-bench sql baseline'
       FROM generate_series(1, $2::int)
       RETURNING id, idle_expires_at)
     INSERT INTO refresh_tokens (id, session_id, secret_hash, expires_at)
     SELECT gen_random_uuid(), s.id, sha256(uuid_send(gen_random_uuid())), s.idle_expires_at
     FROM s RETURNING id`,
    [userId, count],
  );
  return rows.map((row) => row.id);
}

async function rotate(client, tokenId) {
  await client.query(ROTATION_SQL[0]);
  try {
    const { rows } = await client.query(ROTATION_SQL[1], [tokenId]);
    if (rows.length === 0) throw new Error(`token ${tokenId} is not current`);
    await client.query(ROTATION_SQL[2], [tokenId]);
    const successor = randomUUID();
    await client.query(ROTATION_SQL[3], [successor, rows[0].session_id, tokenId, secretHash()]);
    await client.query(ROTATION_SQL[4]);
    return successor;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function drive(clients, tokens, seconds) {
  const deadline = performance.now() + seconds * 1000;
  const recorder = createRecorder(deadline);
  await Promise.all(
    clients.map(async (client, i) => {
      while (performance.now() < deadline) {
        const started = performance.now();
        try {
          tokens[i] = await rotate(client, tokens[i]);
          const done = performance.now();
          recorder.response(200, done - started, done);
        } catch {
          recorder.error(performance.now());
          return; // a broken chain stops; counted as an error
        }
      }
    }),
  );
  return recorder.summary(seconds);
}

/** Rotations per second with `connections` clients (one pg connection each). */
async function measureSqlRotation({ databaseUrl, userId, connections, duration, warmup }) {
  const clients = Array.from(
    { length: connections },
    () =>
      new Client({
        connectionString: databaseUrl,
        connectionTimeoutMillis: 5000,
        query_timeout: 10_000,
      }),
  );
  try {
    await Promise.all(clients.map((client) => client.connect()));
    const tokens = await openSessions(clients[0], userId, connections);
    if (warmup > 0) await drive(clients, tokens, warmup);
    const probe = cpuProbe(null);
    probe.start();
    const result = await drive(clients, tokens, duration);
    return { ...result, cpu: probe.stop(result.requests), sql: ROTATION_SQL };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

module.exports = { measureSqlRotation };

// The bench database on the server named by DATABASE_URL: created fresh, dropped at the end.
// Also fills refresh_tokens with live filler tokens for the table-size scenarios.

const { randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { URL } = require('node:url');
const { Client } = require('pg');

/** The URL with its password hidden, for printing and for the results file. */
function redactUrl(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function withClient(url, fn) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates latch_bench_<random> next to the database of `serverUrl`. */
async function createBenchDatabase(serverUrl) {
  const name = `latch_bench_${randomBytes(5).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ),
  };
}

async function liveTokenCount(client) {
  const { rows } = await client.query(
    `SELECT count(*)::int AS n FROM refresh_tokens WHERE rotated_at IS NULL AND expires_at > now()`,
  );
  return rows[0].n;
}

/**
 * Inserts sessions with one live refresh token each until the table holds `target` live
 * tokens (in batches, so each statement stays short), then ANALYZEs both tables as
 * autovacuum would. Returns what it did and how long it took.
 */
async function fillLiveTokens(url, target, userIds, log) {
  const BATCH = 100_000;
  return withClient(url, async (client) => {
    const started = performance.now();
    const before = await liveTokenCount(client);
    let missing = Math.max(0, target - before);
    while (missing > 0) {
      const count = Math.min(BATCH, missing);
      await client.query(
        `WITH s AS (
           INSERT INTO sessions (id, user_id, idle_expires_at, absolute_expires_at, user_agent, ip)
           SELECT gen_random_uuid(), ($1::uuid[])[1 + g % cardinality($1::uuid[])],
                  now() + interval '14 days', now() + interval '30 days',
                  'latch-bench filler', '127.0.0.1'
           FROM generate_series(1, $2::int) AS g
           RETURNING id, idle_expires_at)
         INSERT INTO refresh_tokens (id, session_id, secret_hash, expires_at)
         SELECT gen_random_uuid(), s.id, sha256(uuid_send(gen_random_uuid())), s.idle_expires_at
         FROM s`,
        [userIds, count],
      );
      missing -= count;
      log(`  filler: ${(target - missing).toLocaleString('en-US')} live refresh tokens`);
    }
    await client.query('ANALYZE sessions');
    await client.query('ANALYZE refresh_tokens');
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM refresh_tokens`);
    return {
      liveBefore: before,
      live: await liveTokenCount(client),
      totalRows: rows[0].n,
      seconds: (performance.now() - started) / 1000,
    };
  });
}

module.exports = { createBenchDatabase, fillLiveTokens, redactUrl, withClient };

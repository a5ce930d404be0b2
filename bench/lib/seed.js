// Users and sessions made through the public API, as clients would make them.

const { createClient, expectStatus } = require('./http-client');

const PASSWORD = 'correct horse battery staple';
// Set-up is not measured; on a busy machine an argon2-bound register may take a while.
const SETUP_TIMEOUT_MS = 30_000;
// Low on purpose: the embedded database wedges under concurrent writes (see the report).
const CONCURRENCY = 2;
const ATTEMPTS = 3;

async function inBatches(count, concurrency, fn) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** The `sub` claim of an access token (the user id); the token is Latch's own. */
const subjectOf = (accessToken) =>
  JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')).sub;

/**
 * Registers one user. A 5xx or a timeout is retried (seeding must not fail on a hiccup that
 * the scenarios will measure anyway); if the lost attempt did create the user, a login
 * gives the first session instead. Returns the user and how many retries it took.
 */
async function registerOne(client, email) {
  let lastError;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let response;
    try {
      response = await client.request('POST', '/auth/register', {
        body: { email, password: PASSWORD },
      });
    } catch (error) {
      lastError = error;
      continue;
    }
    if (response.status >= 500) {
      lastError = new Error(`register ${email}: ${response.status} ${response.body?.code ?? ''}`);
      continue;
    }
    if (response.status === 409 && attempt > 0) {
      const body = expectStatus(
        await client.request('POST', '/auth/login', { body: { email, password: PASSWORD } }),
        200,
        `login ${email}`,
      );
      return { body: { ...body, user: { id: subjectOf(body.accessToken) } }, retries: attempt };
    }
    return { body: expectStatus(response, 201, `register ${email}`), retries: attempt };
  }
  throw lastError;
}

/** Registers `count` users; each comes back with its first session's tokens. */
async function registerUsers(port, count, runId) {
  const client = createClient(port, { maxSockets: CONCURRENCY, timeoutMs: SETUP_TIMEOUT_MS });
  try {
    const users = await inBatches(count, CONCURRENCY, async (i) => {
      const email = `bench-${runId}-${i}@example.test`;
      const { body, retries } = await registerOne(client, email);
      return {
        email,
        password: PASSWORD,
        userId: body.user.id,
        accessToken: body.accessToken,
        refreshToken: body.refreshToken,
        sessionId: body.sessionId,
        retries,
      };
    });
    return { users, retries: users.reduce((sum, user) => sum + user.retries, 0) };
  } finally {
    client.close();
  }
}

/** A new session for the user; returns the token response. */
async function login(port, user) {
  const client = createClient(port, { maxSockets: 1, timeoutMs: SETUP_TIMEOUT_MS });
  try {
    const response = await client.request('POST', '/auth/login', {
      body: { email: user.email, password: user.password },
    });
    return expectStatus(response, 200, `login ${user.email}`);
  } finally {
    client.close();
  }
}

module.exports = { registerUsers, login, PASSWORD };

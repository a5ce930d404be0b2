// The scenarios of a run, each next to the baseline it is judged against, so that a noisy
// machine slows both alike: /auth/me beside bare Fastify, refresh beside the pure-SQL
// rotation, login beside argon2.

const { measureArgon2 } = require('./baselines/argon2');
const { measureFastifyBaselines } = require('./baselines/fastify');
const { measureSqlRotation } = require('./baselines/sql-rotation');
const { fillLiveTokens } = require('./database');
const { measure } = require('./load');
const { measureChains } = require('./refresh-chains');
const { num } = require('./report');
const { login } = require('./seed');

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function describe(log, label, figures) {
  if (figures.notMeasured) return log(`  ${label}: ${figures.notMeasured}`);
  const rss = figures.rssMb ? `, RSS ${num(figures.rssMb)} MB` : '';
  log(
    `  ${label}: ${num(figures.rps)} req/s, p50 ${num(figures.p50, 1)} ms, ` +
      `p99 ${num(figures.p99, 1)} ms, ${figures.errors} errors, ${figures.non2xx} non-2xx${rss}`,
  );
  const { cpu } = figures;
  if (!cpu) return;
  const server =
    cpu.serverCores === null
      ? ''
      : `server ${num(cpu.serverCores, 2)} (${num(cpu.serverMsPerRequest, 3)} ms/request, ` +
        `${num(100 * cpu.serverKernelShare)}% kernel), `;
  log(
    `    CPU cores: ${server}load generator ${num(cpu.benchCores, 2)}, ` +
      `postgres ${num(cpu.postgresCores, 2)}, other ${num(cpu.otherCores, 2)}, ` +
      `machine ${num(cpu.machineBusyCores, 2)}`,
  );
}

/** POST /auth/login bodies for autocannon, cycling through the seeded users. */
function loginRequests(users) {
  let next = 0;
  return [
    {
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => {
        const user = users[next++ % users.length];
        return { ...request, body: JSON.stringify({ email: user.email, password: user.password }) };
      },
    },
  ];
}

/** The helpers every scenario group uses; they record into `results`. */
function createRunner({ options, results, environment, log }) {
  const { latch, port } = environment;
  const { connections, duration, warmup } = options;
  const wants = (key) => !options.only || options.only.includes(key);
  return {
    wants,
    /** Runs one Latch scenario; records its figures, RSS and (when profiling) its window. */
    async scenario(key, label, fn) {
      if (!wants(key)) {
        results.scenarios[key] = { label, notMeasured: 'skipped (--only)' };
        return;
      }
      const instance = await latch.prepare(key);
      const fromUs = nowUs();
      const figures = await fn(instance);
      figures.rssMb = instance.rssMb();
      if (latch.profiles[key]) Object.assign(latch.profiles[key], { fromUs, toUs: nowUs() });
      results.scenarios[key] = { label, ...figures };
      describe(log, label, figures.me ?? figures);
      if (figures.login) describe(log, '  login flood', figures.login);
    },
    async baseline(key, label, needed, fn) {
      const figures = needed ? await fn() : { notMeasured: 'skipped (--only)' };
      results.baselines[key] = { label, ...figures };
      describe(log, label, figures);
    },
    load: (instance, request, conns = connections) =>
      measure({ port, serverPid: instance.pid, connections: conns, duration, warmup, request }),
    chains: (instance, chains) =>
      measureChains({ port, serverPid: instance.pid, chains, duration, warmup }),
  };
}

/** 3a, 3b, and the Fastify baselines next to them. */
async function accessTokenScenarios(run, { options, environment, freshAccessToken }) {
  const needed = run.wants('me') || run.wants('meFlood');
  const accessToken = await freshAccessToken();
  const fastify = needed
    ? await measureFastifyBaselines({
        publicKeyPem: environment.keys.publicKeyPem,
        accessToken,
        connections: options.connections,
        duration: options.duration,
        warmup: options.warmup,
      })
    : {};
  await run.baseline('fastifyBare', 'bare Fastify GET /me', needed, () => fastify.bare);
  await run.baseline('fastifyVerified', 'Fastify + ES256 verify', needed, () => fastify.verified);
  const headers = { authorization: `Bearer ${accessToken}` };
  await run.scenario('me', 'GET /auth/me', (instance) =>
    run.load(instance, { path: '/auth/me', headers }),
  );
  await run.scenario('usersMe', 'GET /users/me', (instance) =>
    run.load(instance, { path: '/users/me', headers }),
  );
}

/** 3c, and the pure-SQL rotation next to it. */
async function refreshScenarios(run, { options, environment, users, chains }) {
  const { databaseUrl } = environment;
  await run.baseline('sqlRotation', 'pure-SQL rotation', run.wants('refresh'), () =>
    databaseUrl
      ? measureSqlRotation({
          databaseUrl,
          userId: users[users.length - 1].userId,
          connections: options.connections,
          duration: options.duration,
          warmup: options.warmup,
        })
      : { notMeasured: 'not measured (needs DATABASE_URL)' },
  );
  await run.scenario('refresh', 'POST /auth/refresh (chained)', (instance) =>
    run.chains(instance, chains),
  );
}

/** 3d, 3e, and the argon2 baseline next to them. */
async function loginScenarios(run, { options, users, freshAccessToken }) {
  const needed = run.wants('login') || run.wants('meFlood');
  await run.baseline('argon2', 'argon2id hashes', needed, () =>
    measureArgon2({ duration: options.duration, warmup: options.warmup }),
  );
  await run.scenario('login', 'POST /auth/login', (instance) =>
    run.load(instance, { requests: loginRequests(users) }),
  );
  await run.scenario('meFlood', 'GET /auth/me during login flood', async (instance) => {
    const headers = { authorization: `Bearer ${await freshAccessToken()}` };
    const [me, flood] = await Promise.all([
      run.load(instance, { path: '/auth/me', headers }),
      run.load(instance, { requests: loginRequests(users) }, options.floodConnections),
    ]);
    return { me, login: flood };
  });
}

/** 3f: refresh with a small and a large refresh_tokens table (PostgreSQL only). */
async function tableSizeScenarios(run, { options, environment, results, users, chains, log }) {
  const { databaseUrl, port } = environment;
  for (const [key, size] of [
    ['refreshSmall', options.fillerTokens.small],
    ['refreshLarge', options.fillerTokens.large],
  ]) {
    const label = `POST /auth/refresh, ${num(size)} live tokens`;
    if (!databaseUrl) {
      results.scenarios[key] = { label, notMeasured: 'not measured (needs DATABASE_URL)' };
      continue;
    }
    if (!run.wants(key)) {
      await run.scenario(key, label);
      continue;
    }
    log(`filling refresh_tokens up to ${num(size)} live tokens`);
    const userIds = users.map((user) => user.userId);
    results.fillers[key] = await fillLiveTokens(databaseUrl, size, userIds, log);
    // A chain broken by an earlier scenario gets a new session.
    for (const [i, chain] of chains.entries()) {
      if (!chain.broken) continue;
      chain.refreshToken = (await login(port, users[i])).refreshToken;
      delete chain.broken;
    }
    await run.scenario(key, label, async (instance) => ({
      ...(await run.chains(instance, chains)),
      liveTokens: results.fillers[key].live,
    }));
  }
}

/**
 * Runs every scenario group in order. `context` = { options, results, environment, users,
 * chains, freshAccessToken, log }.
 */
async function runPlan(context) {
  const run = createRunner(context);
  await accessTokenScenarios(run, context);
  await refreshScenarios(run, context);
  await loginScenarios(run, context);
  await tableSizeScenarios(run, context);
}

module.exports = { runPlan };

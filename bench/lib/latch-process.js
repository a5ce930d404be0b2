// Starts Latch (`node dist/src/main`) in production mode as a child process, waits for a
// healthy /health, and measures start-up time and resident memory.

const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync } = require('node:fs');
const http = require('node:http');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { captureOutput, memoryMb, rssMb, sleep, stopChild } = require('./proc');

const REPO_ROOT = join(__dirname, '..', '..');
const HEALTH_TIMEOUT_MS = 60_000;

/**
 * Environment of the Latch child: the caller's, minus Latch settings that would change the
 * test. `BENCH_LATCH_<NAME>=value` passes `<NAME>=value` through on purpose (for example
 * BENCH_LATCH_DB_POOL_SIZE=20), applied last.
 */
function latchEnv({ port, keysDir, databaseUrl, dataDir, env: extraEnv = {} }) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(AUTH_|JWT_|DB_|REDIS_URL$|CORS_ORIGINS$|TRUST_PROXY$|BODY_LIMIT$)/.test(name)) {
      delete env[name];
    }
  }
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  Object.assign(env, {
    // Production settings, except that the embedded database (refused in production) runs
    // as in development: it is the only difference between the two modes of a run.
    NODE_ENV: databaseUrl ? 'production' : 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    JWT_KEYS_DIR: keysDir,
    AUTH_REFRESH_KEY: randomBytes(32).toString('base64url'),
    AUTH_MFA_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'warn',
    AUTH_LOGIN_RATE_LIMIT: '0',
    AUTH_REFRESH_RATE_LIMIT: '0',
    AUTH_LOCKOUT_THRESHOLD: '0',
  });
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else env.DATA_DIR = dataDir;
  Object.assign(env, extraEnv, latchOverrides());
  return env;
}

/** The BENCH_LATCH_* pass-through settings, without their prefix. */
function latchOverrides() {
  const overrides = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('BENCH_LATCH_')) overrides[name.slice('BENCH_LATCH_'.length)] = value;
  }
  return overrides;
}

function healthStatus(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(1000, () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/**
 * Spawns Latch and resolves once GET /health answers 200. `profile` = { dir, name } runs it
 * under `--cpu-prof`; the profile is written when the process exits gracefully (stop()).
 * `onCleanup` (see cleanup.js) learns how to stop the child as soon as it exists.
 * `nodeArgs` go before the script (the soak test's `--require` probe), `env` is added to the
 * child's environment and `extraStdio` opens more pipes (file descriptors 3, 4, …), found
 * afterwards in `child.stdio`.
 */
async function startLatch({
  port,
  keysDir,
  databaseUrl,
  dataDir,
  profile,
  onCleanup,
  nodeArgs: extraNodeArgs = [],
  env,
  extraStdio = [],
}) {
  if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'main.js'))) {
    throw new Error('dist/src/main.js is missing: run `npx nest build` (npm run bench builds)');
  }
  const nodeArgs = profile
    ? ['--cpu-prof', `--cpu-prof-dir=${profile.dir}`, `--cpu-prof-name=${profile.name}`]
    : [];
  nodeArgs.push(...extraNodeArgs);
  const output = [];
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, 'dist/src/main'], {
    cwd: REPO_ROOT,
    env: latchEnv({ port, keysDir, databaseUrl, dataDir, env }),
    stdio: ['ignore', 'pipe', 'pipe', ...extraStdio],
  });
  const stop = onCleanup(`stop Latch (pid ${child.pid})`, () => stopChild(child));
  captureOutput(child.stdout, output);
  captureOutput(child.stderr, output);
  const exited = new Promise((resolve) => child.once('exit', resolve));

  const deadline = startedAt + HEALTH_TIMEOUT_MS;
  let healthyAt;
  let healthyAtUs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if ((await healthStatus(port)) === 200) {
      healthyAt = performance.now();
      healthyAtUs = Number(process.hrtime.bigint() / 1000n); // the profiler's clock
      break;
    }
    await Promise.race([sleep(20), exited]);
  }
  if (healthyAt === undefined) {
    await stop();
    const why = child.exitCode !== null ? `exited with code ${child.exitCode}` : 'timed out';
    throw new Error(`Latch did not become healthy (${why}):\n${output.join('\n')}`);
  }
  return {
    child,
    pid: child.pid,
    port,
    startupMs: healthyAt - startedAt,
    healthyAtUs,
    rssMb: () => rssMb(child.pid),
    memoryMb: () => memoryMb(child.pid),
    logTail: () => output.join('\n'),
    stop,
  };
}

/**
 * Owns the Latch process of the run. Normally one process serves every scenario; with
 * `profileDir` each scenario gets its own process (and so its own .cpuprofile, written when
 * that process stops), named `<runStamp>-<key>.cpuprofile`. `profiles[key]` keeps the file
 * and the window worth reading: up to healthy for start-up, the scenario's for the others.
 */
function createLatchSupervisor({ onCleanup, profileDir, runStamp, ...settings }) {
  let current;
  let undo = () => undefined;
  const profiles = {};

  async function start(key) {
    const name = profileDir && key ? `${runStamp}-${key}.cpuprofile` : undefined;
    const profile = name && { dir: profileDir, name };
    current = await startLatch({ ...settings, profile, onCleanup });
    if (name) profiles[key] = { file: join(profileDir, name), toUs: current.healthyAtUs };
    undo = current.stop;
    return current;
  }

  async function stop() {
    await undo();
    current = undefined;
  }

  return {
    start,
    stop,
    profiles,
    get current() {
      return current;
    },
    /** Before a scenario: with profiling, a fresh process whose profile covers only it. */
    async prepare(scenario) {
      if (!profileDir) return current;
      await stop();
      return start(scenario);
    },
  };
}

module.exports = { startLatch, createLatchSupervisor, latchOverrides, REPO_ROOT };

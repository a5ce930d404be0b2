// What a run needs before any load: a fresh database (or DATA_DIR), a fresh signing key, a
// free port and the Latch supervisor. Everything is registered for cleanup as it is made.

const { mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { onCleanup } = require('./cleanup');
const { createBenchDatabase, redactUrl } = require('./database');
const { createKeysDir } = require('./keys');
const { createLatchSupervisor } = require('./latch-process');
const { freePort } = require('./proc');

/**
 * `latchOptions` (nodeArgs, env, extraStdio: see startLatch) apply to every Latch process of
 * the run.
 */
async function prepareEnvironment({ serverUrl, profileDir, runStamp, log, latchOptions = {} }) {
  const environment = { database: { mode: serverUrl ? 'postgresql' : 'embedded' } };
  if (serverUrl) {
    const db = await createBenchDatabase(serverUrl);
    onCleanup(`drop database ${db.name}`, db.drop);
    environment.databaseUrl = db.url;
    Object.assign(environment.database, { server: redactUrl(serverUrl), name: db.name });
    log(`database ${db.name} on ${redactUrl(serverUrl)}`);
  } else {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'latch-bench-data-'));
    onCleanup('remove DATA_DIR', () => rmSync(dataDir, { recursive: true, force: true }));
    environment.dataDir = dataDir;
    log(`embedded database in ${dataDir}`);
  }
  environment.keys = createKeysDir();
  onCleanup('remove JWT_KEYS_DIR', () =>
    rmSync(environment.keys.dir, { recursive: true, force: true }),
  );
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  environment.port = await freePort();
  environment.latch = createLatchSupervisor({
    onCleanup,
    profileDir,
    runStamp,
    port: environment.port,
    keysDir: environment.keys.dir,
    databaseUrl: environment.databaseUrl,
    dataDir: environment.dataDir,
    ...latchOptions,
  });
  return environment;
}

/** The machine a run's figures were taken on, recorded beside them. */
function describeMachine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    loadAverageAtStart: os.loadavg(),
  };
}

module.exports = { describeMachine, prepareEnvironment };

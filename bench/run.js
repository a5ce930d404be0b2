// `npm run bench`: starts Latch in production mode, loads it from 127.0.0.1 and compares
// each figure with a baseline measured in the same run (bare Fastify, pure SQL, argon2).
// See bench/README.md.

const { randomBytes } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { parseArgs, USAGE } = require('./lib/args');
const { ARGON2_PARAMETERS } = require('./lib/baselines/argon2');
const { installSignalHandlers, runCleanup, wasInterrupted } = require('./lib/cleanup');
const { withClient } = require('./lib/database');
const { describeMachine, prepareEnvironment } = require('./lib/environment');
const { latchOverrides } = require('./lib/latch-process');
const { runPlan } = require('./lib/plan');
const { sleep } = require('./lib/proc');
const { evaluateTargets, printReport, num } = require('./lib/report');
const { login, registerUsers } = require('./lib/seed');

const RESULTS_DIR = join(__dirname, 'results');
const log = (message) => console.log(message);

/** The argon2 parameters Latch actually used, read from a stored hash. */
async function storedArgon2Parameters(databaseUrl) {
  const hash = await withClient(databaseUrl, async (client) => {
    const { rows } = await client.query('SELECT password_hash FROM users LIMIT 1');
    return rows[0]?.password_hash ?? '';
  });
  // PHC string: $argon2id$v=19$m=19456,t=2,p=1$salt$hash (the order of m, t, p varies)
  const fields = Object.fromEntries(
    (hash.split('$')[3] ?? '').split(',').map((pair) => pair.split('=')),
  );
  return { memoryCost: +fields.m, timeCost: +fields.t, parallelism: +fields.p };
}

async function checkArgon2Parameters(databaseUrl, results) {
  const stored = await storedArgon2Parameters(databaseUrl);
  results.latchArgon2Parameters = stored;
  if (JSON.stringify(stored) !== JSON.stringify(ARGON2_PARAMETERS)) {
    log(
      `warning: Latch hashes with ${JSON.stringify(stored)}, ` +
        `the argon2 baseline with ${JSON.stringify(ARGON2_PARAMETERS)}`,
    );
  }
}

/**
 * Full runs go to bench/results (git keeps latest.json and the runs bench/README.md cites;
 * .gitignore skips the rest); partial ones (--only) to its scratch/.
 */
function writeResults(runStamp, results, partial) {
  const dir = partial ? join(RESULTS_DIR, 'scratch') : RESULTS_DIR;
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const file = join(dir, `${runStamp}.json`);
  writeFileSync(file, json);
  writeFileSync(join(dir, 'latest.json'), json);
  log(`\nresults: ${file} (and ${join(dir, 'latest.json')})`);
}

function printProfileHints(profiles) {
  log('\nprofiles, each read within its scenario window:');
  for (const { file, fromUs, toUs } of Object.values(profiles)) {
    const window = `${fromUs ? ` --from ${fromUs}` : ''}${toUs ? ` --to ${toUs}` : ''}`;
    log(`  node bench/top-functions.js ${file}${window}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) return log(USAGE);
  installSignalHandlers();

  const startedAt = new Date();
  const runStamp = startedAt.toISOString().replace(/:/g, '-');
  const serverUrl = process.env.DATABASE_URL;
  const profileDir = options.profile ? join(RESULTS_DIR, 'profiles') : undefined;
  const results = {
    startedAt: startedAt.toISOString(),
    options,
    machine: describeMachine(),
    latchOverrides: latchOverrides(),
    startup: {},
    scenarios: {},
    baselines: {},
    fillers: {},
  };
  log(
    `Latch benchmark: ${options.duration} s per scenario (+${options.warmup} s warm-up), ` +
      `${options.connections} connections, ${serverUrl ? 'PostgreSQL' : 'embedded database'}` +
      (options.profile ? ', profiling' : ''),
  );

  // 1. A fresh database and key, then Latch: start-up time and idle memory.
  const environment = await prepareEnvironment({ serverUrl, profileDir, runStamp, log });
  const { latch, port } = environment;
  latchForDiagnostics = latch;
  results.database = environment.database;
  const first = await latch.start('startup');
  results.startup.coldMs = first.startupMs;
  await sleep(500);
  results.idleMemoryMb = first.memoryMb();
  results.idleRssMb = results.idleMemoryMb?.rss ?? null;
  log(
    `Latch pid ${first.pid} healthy after ${num(first.startupMs)} ms, ` +
      `idle RSS ${num(results.idleRssMb, 1)} MB`,
  );

  // 2. Users, one per connection plus a few; the first sessions become the refresh chains.
  const runId = randomBytes(3).toString('hex');
  const seeded = await registerUsers(port, options.connections + options.extraUsers, runId);
  const { users } = seeded;
  results.seedRetries = seeded.retries;
  const chains = users
    .slice(0, options.connections)
    .map((user) => ({ refreshToken: user.refreshToken }));
  const freshAccessToken = async () => (await login(port, users[options.connections])).accessToken;
  results.seededRssMb = first.rssMb();
  log(
    `seeded ${users.length} users; RSS ${num(results.seededRssMb, 1)} MB` +
      (seeded.retries ? `; ${seeded.retries} registration(s) had to be retried (5xx/timeout)` : ''),
  );
  if (environment.databaseUrl) await checkArgon2Parameters(environment.databaseUrl, results);

  // 3 and 4. The scenarios and their baselines.
  await runPlan({ options, results, environment, users, chains, freshAccessToken, log });

  results.finalMemoryMb = latch.current.memoryMb();
  results.finalRssMb = results.finalMemoryMb?.rss ?? null;
  await latch.stop();
  if (!options.profile) {
    results.startup.warmMs = (await latch.start()).startupMs;
    await latch.stop();
  }
  if (profileDir) results.profiles = latch.profiles;

  // 5 and 6. The report and the results file.
  results.finishedAt = new Date().toISOString();
  results.machine.loadAverageAtEnd = os.loadavg();
  results.targets = evaluateTargets(results);
  printReport(results);
  writeResults(runStamp, results, options.only !== undefined);
  if (profileDir) printProfileHints(latch.profiles);
}

let latchForDiagnostics;

main()
  .catch((error) => {
    if (wasInterrupted()) return;
    console.error(`\nbenchmark failed: ${error.stack ?? error}`);
    const tail = latchForDiagnostics?.current?.logTail();
    if (tail) console.error(`\nLatch's last output:\n${tail}`);
    process.exitCode = 1;
  })
  .finally(() => runCleanup());

// `npm run soak -- --minutes N`: a steady mixed load on a PostgreSQL-backed Latch for N
// minutes (default 10), at about half the rate the machine sustains, watching memory,
// event-loop delay, database connections, 5xx and refresh failures every 10 s; at the end
// every session never logged out must still refresh. See bench/SOAK.md.

const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { Client } = require('pg');
const { installSignalHandlers, onCleanup, runCleanup, wasInterrupted } = require('./lib/cleanup');
const { cpuProbe } = require('./lib/cpu');
const { redactUrl } = require('./lib/database');
const { describeMachine, prepareEnvironment } = require('./lib/environment');
const { createClient } = require('./lib/http-client');
const { latchOverrides } = require('./lib/latch-process');
const { sleep, stopChild } = require('./lib/proc');
const { num } = require('./lib/report');
const {
  MIX,
  SHORT_LIVED,
  checkLongLived,
  createPopulation,
  seedLongLived,
} = require('./lib/soak-mix');
const { createTally, runAtRate, runFlatOut } = require('./lib/soak-load');
const { MB, clock, evaluateSoak, header, printVerdict, sampleLine } = require('./lib/soak-report');

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const USAGE = `usage: npm run soak -- [--minutes N] [--rate OPS]

  --minutes N   length of the steady phase (default 10; fractions such as 0.5 work)
  --rate OPS    operations per second of the steady phase; skips the calibration
                (default: half of what the calibration sustained)
  --help        this text

Latch runs against a fresh database latch_bench_<random> created on the server of
DATABASE_URL (default ${DEFAULT_SERVER_URL}), dropped at the end.`;

const RESULTS_DIR = join(__dirname, 'results', 'soak');
const PROBE = join(__dirname, 'lib', 'soak-probe.js');
const SAMPLE_SECONDS = 10;
const LONG_LIVED_CHAINS = 24;
const CALIBRATION = { workers: 32, warmupSeconds: 3, seconds: 10 };
const LOAD = { share: 0.5, sockets: 32, maxInFlight: 64 };

const log = (message) => console.log(message);

function parseArgs(argv) {
  const options = { minutes: 10, rate: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i]);
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--minutes' || arg.startsWith('--minutes=')) {
      const raw = value();
      options.minutes = Number(raw);
      if (!Number.isFinite(options.minutes) || options.minutes <= 0 || options.minutes > 1440) {
        throw new Error(`--minutes needs a number of minutes above 0, at most 1440 (got ${raw})`);
      }
    } else if (arg === '--rate' || arg.startsWith('--rate=')) {
      const raw = value();
      options.rate = Number(raw);
      if (!Number.isFinite(options.rate) || options.rate <= 0) {
        throw new Error(`--rate needs a positive number of operations per second (got ${raw})`);
      }
    } else throw new Error(`unknown option ${arg}\n\n${USAGE}`);
  }
  return options;
}

/** Commands to the probe preloaded into Latch (bench/lib/soak-probe.js), over its pipe. */
function probeClient(stream) {
  const waiting = new Map();
  let nextId = 0;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    for (const line of lines) {
      let answer;
      try {
        answer = JSON.parse(line);
      } catch {
        continue;
      }
      waiting.get(answer.id)?.(answer);
      waiting.delete(answer.id);
    }
  });
  stream.on('error', () => undefined);
  return {
    /** The answer, or null if none came within `timeoutMs`. */
    command(name, timeoutMs = 5000) {
      const id = String(nextId++);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve(null);
        }, timeoutMs);
        waiting.set(id, (answer) => {
          clearTimeout(timer);
          resolve(answer);
        });
        stream.write(`${name} ${id}\n`);
      });
    },
  };
}

/**
 * An idle Node process with the same probe: its event-loop delay is what the machine alone
 * (other people's work, the scheduler) does to a loop that has nothing to do, the yardstick
 * for Latch's on a shared machine.
 */
function startIdleNode() {
  const child = spawn(
    process.execPath,
    ['--require', PROBE, '-e', 'setInterval(() => undefined, 3_600_000)'],
    { env: { ...process.env, SOAK_PROBE_FD: '3' }, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] },
  );
  onCleanup(`stop the idle Node process (pid ${child.pid})`, () => stopChild(child));
  return { child, probe: probeClient(child.stdio[3]) };
}

/** Connections PostgreSQL holds open to the soak database, counted from the server's view. */
async function databaseMonitor(serverUrl, databaseName) {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  onCleanup('close the monitoring connection', () => client.end());
  return async () => {
    try {
      const { rows } = await client.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [databaseName],
      );
      return rows[0].n;
    } catch {
      return null;
    }
  };
}

/** Takes one sample every SAMPLE_SECONDS of the steady phase (and one at its start). */
function createSampler({ latch, probe, idle, tally, countConnections, startedAt }) {
  const samples = [];
  let cpu = cpuProbe(latch.pid);
  cpu.start();
  let windowStart = startedAt;
  let serverErrorsTotal = 0;
  let refreshFailuresTotal = 0;
  async function take() {
    const now = performance.now();
    const counts = tally.takeWindow();
    const cpuFigures = cpu.stop(counts.completed);
    cpu = cpuProbe(latch.pid);
    cpu.start();
    const [answer, idleAnswer, dbConnections] = await Promise.all([
      probe.command('sample'),
      idle.probe.command('sample'),
      countConnections(),
    ]);
    const memory = latch.memoryMb();
    serverErrorsTotal += counts.serverErrors;
    refreshFailuresTotal += counts.refreshFailures;
    const seconds = (now - windowStart) / 1000;
    windowStart = now;
    const latencies = counts.latenciesMs.sort((a, b) => a - b);
    const sample = {
      t: Math.round((now - startedAt) / 1000),
      at: new Date().toISOString(),
      windowSeconds: seconds,
      rps: seconds > 0 ? counts.completed / seconds : null,
      completed: counts.completed,
      skipped: counts.skipped,
      rssMb: memory?.rss ?? null,
      rssAnonMb: memory?.anon ?? null,
      heapUsedMb: answer?.memory ? answer.memory.heapUsed / MB : null,
      heapTotalMb: answer?.memory ? answer.memory.heapTotal / MB : null,
      externalMb: answer?.memory ? answer.memory.external / MB : null,
      heapAfterGcMb: answer?.heapAfterGc ? answer.heapAfterGc / MB : null,
      gcPauseMs: answer?.gcPauseMs ?? null,
      eventLoopDelayMs: answer?.eventLoopDelayMs ?? null,
      idleEventLoopDelayMs: idleAnswer?.eventLoopDelayMs ?? null,
      dbConnections,
      serverErrors: counts.serverErrors,
      serverErrorsTotal,
      refreshFailures: counts.refreshFailures,
      refreshFailuresTotal,
      networkErrors: counts.networkErrors,
      problems: Object.values(counts.problems).reduce((a, b) => a + b, 0),
      problemsByKind: counts.problems,
      latencyP99Ms: latencies.length ? latencies[Math.ceil(0.99 * latencies.length) - 1] : null,
      cpu: seconds > 0 ? cpuFigures : null,
    };
    samples.push(sample);
    log(sampleLine(sample));
    return sample;
  }
  return { samples, take };
}

/** Samples on the clock until `done` settles and the last sample is at or past `seconds`. */
async function sampleUntil(sampler, startedAt, seconds, done) {
  let finished = false;
  done.finally(() => {
    finished = true;
  });
  for (let k = 1; ; k++) {
    const dueAt = startedAt + Math.min(k * SAMPLE_SECONDS, seconds) * 1000;
    while (performance.now() < dueAt) await sleep(Math.min(200, dueAt - performance.now()));
    await sampler.take();
    if (k * SAMPLE_SECONDS >= seconds) break;
    if (finished) break;
  }
  await done;
}

async function calibrate({ population, client }) {
  const tally = createTally();
  log(
    `calibration: ${CALIBRATION.workers} workers flat out, ` +
      `${CALIBRATION.warmupSeconds} s warm-up + ${CALIBRATION.seconds} s measured`,
  );
  const run = (seconds) =>
    runFlatOut({ population, client, tally, workers: CALIBRATION.workers, seconds });
  await run(CALIBRATION.warmupSeconds);
  tally.takePhase(CALIBRATION.warmupSeconds);
  const started = performance.now();
  await run(CALIBRATION.seconds);
  const seconds = (performance.now() - started) / 1000;
  const figures = tally.takePhase(seconds);
  log(
    `  sustained ${num(figures.rps, 1)} operations/s (p50 ${num(figures.p50, 1)} ms, ` +
      `p99 ${num(figures.p99, 1)} ms), ${figures.serverErrors} 5xx, ` +
      `${figures.refreshFailures} refresh failures, ${figures.networkErrors} network errors`,
  );
  for (const [kind, count] of Object.entries(figures.problems))
    log(`  unexpected: ${kind} x${count}`);
  return figures;
}

function writeResults(runStamp, results) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const file = join(RESULTS_DIR, `${runStamp}.json`);
  writeFileSync(file, json);
  writeFileSync(join(RESULTS_DIR, 'latest.json'), json);
  log(`\nresults: ${file} (and latest.json)`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) return log(USAGE);
  installSignalHandlers();
  const seconds = Math.round(options.minutes * 60);
  const startedAt = new Date();
  const runStamp = startedAt.toISOString().replace(/:/g, '-');
  const serverUrl = process.env.DATABASE_URL || DEFAULT_SERVER_URL;
  const results = {
    startedAt: startedAt.toISOString(),
    options: { ...options, seconds },
    machine: describeMachine(),
    latchOverrides: latchOverrides(),
    mix: MIX,
    shortLivedSessions: SHORT_LIVED,
    longLivedChains: LONG_LIVED_CHAINS,
  };
  log(`Latch soak test: ${clock(seconds)} of steady mixed load, server ${redactUrl(serverUrl)}`);

  // 1. A fresh database and key; Latch with the probe preloaded on file descriptor 3.
  const environment = await prepareEnvironment({
    serverUrl,
    runStamp,
    log,
    latchOptions: {
      nodeArgs: ['--require', PROBE],
      env: { SOAK_PROBE_FD: '3' },
      extraStdio: ['pipe'],
    },
  });
  results.database = environment.database;
  const latch = await environment.latch.start();
  latchForDiagnostics = latch;
  const probe = probeClient(latch.child.stdio[3]);
  const countConnections = await databaseMonitor(serverUrl, environment.database.name);
  const idle = startIdleNode();
  const first = await probe.command('sample');
  if (!first) log('warning: the heap and event-loop probe does not answer; RSS only');
  log(
    `Latch pid ${latch.pid} healthy after ${num(latch.startupMs)} ms, RSS ${num(latch.rssMb(), 1)} MB`,
  );

  // 2. The long-lived chains, then the calibration.
  const population = createPopulation(randomBytes(3).toString('hex'));
  const setupClient = createClient(environment.port, { maxSockets: 2, timeoutMs: 30_000 });
  const client = createClient(environment.port, { maxSockets: LOAD.sockets, timeoutMs: 10_000 });
  onCleanup('close HTTP clients', () => {
    setupClient.close();
    client.close();
  });
  await seedLongLived(population, setupClient, LONG_LIVED_CHAINS);
  log(`${LONG_LIVED_CHAINS} long-lived chains registered`);
  if (options.rate === undefined) {
    results.calibration = await calibrate({ population, client });
    results.calibration.sustainedRps = results.calibration.rps;
  }
  const rate = options.rate ?? Math.max(1, LOAD.share * results.calibration.rps);
  await sleep(2000); // the calibration's backlog drains
  for (const p of [probe, idle.probe]) {
    await p.command('sample'); // restarts the probe's window
    await p.command('reset'); // and its whole-run histogram
  }

  // 3. The steady phase, sampled every 10 s.
  log(
    `\nsteady load: ${num(rate, 1)} operations/s for ${clock(seconds)} ` +
      `(at most ${LOAD.maxInFlight} in flight over ${LOAD.sockets} keep-alive connections)`,
  );
  log(header());
  const tally = createTally();
  const steadyStart = performance.now();
  const sampler = createSampler({
    latch,
    probe,
    idle,
    tally,
    countConnections,
    startedAt: steadyStart,
  });
  await sampler.take();
  const load = runAtRate({
    population,
    client,
    tally,
    rate,
    seconds,
    maxInFlight: LOAD.maxInFlight,
  });
  await sampleUntil(sampler, steadyStart, seconds, load);
  const steady = { targetRps: rate, ...tally.takePhase((performance.now() - steadyStart) / 1000) };
  const total = await probe.command('total');
  results.eventLoopDelayMs = total?.eventLoopDelayMs ?? null;
  results.idleEventLoopDelayMs = (await idle.probe.command('total'))?.eventLoopDelayMs ?? null;

  // 4. Every chain never logged out must still refresh.
  const finalTally = createTally();
  const lost = await checkLongLived(population, setupClient, finalTally.record);
  const finalCounts = finalTally.takePhase(1);
  results.finalCheck = {
    chains: population.longLived.length,
    lost,
    serverErrors: finalCounts.serverErrors,
    shortLivedOpen: population.shortLived.size,
    users: population.users.length,
  };
  results.steady = steady;
  results.samples = sampler.samples;
  results.finalMemoryMb = latch.memoryMb();
  results.finalDbConnections = await countConnections();
  await environment.latch.stop();

  // 5. The verdict.
  results.finishedAt = new Date().toISOString();
  results.machine.loadAverageAtEnd = os.loadavg();
  results.verdict = evaluateSoak({
    samples: sampler.samples,
    seconds,
    steady,
    finalCheck: results.finalCheck,
    eventLoopDelayMs: results.eventLoopDelayMs,
    idleEventLoopDelayMs: results.idleEventLoopDelayMs,
  });
  log(
    `\nsteady phase: ${steady.completed} operations (${num(steady.rps, 1)}/s of ${num(rate, 1)} ` +
      `asked), ${steady.skipped} skipped, p50 ${num(steady.p50, 1)} ms, p99 ${num(steady.p99, 1)} ms, ` +
      `${steady.networkErrors} network errors, ${steady.refreshFailures} refresh failures`,
  );
  for (const [kind, count] of Object.entries(steady.problems))
    log(`  unexpected: ${kind} x${count}`);
  for (const { sessionId, why } of lost) log(`  lost session ${sessionId}: ${why}`);
  printVerdict(results.verdict, log);
  writeResults(runStamp, results);
  if (results.verdict.targets.some((t) => t.met === false)) process.exitCode = 1;
}

let latchForDiagnostics;

main()
  .catch((error) => {
    if (wasInterrupted()) return;
    console.error(`\nsoak test failed: ${error.stack ?? error}`);
    const tail = latchForDiagnostics?.logTail();
    if (tail) console.error(`\nLatch's last output:\n${tail}`);
    process.exitCode = 2;
  })
  .finally(() => runCleanup());

// `npm run bench:metrics`: what the Prometheus metrics cost `GET /auth/me`. Two Latch
// processes of the same build, one without METRICS_PORT and one with it (scraped once a
// second, as a Prometheus would), loaded in turn in the same run, in ABBA order so that a
// machine getting busier or quieter weighs on both sides alike. The contract allows at most
// 5% fewer requests per second with metrics on. See bench/README.md#metrics-overhead.

const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const http = require('node:http');
const { clearInterval, setInterval } = require('node:timers');
const os = require('node:os');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { installSignalHandlers, onCleanup, runCleanup, wasInterrupted } = require('./lib/cleanup');
const { createBenchDatabase, redactUrl } = require('./lib/database');
const { describeMachine } = require('./lib/environment');
const { createKeysDir } = require('./lib/keys');
const { startLatch } = require('./lib/latch-process');
const { measure } = require('./lib/load');
const { freePort } = require('./lib/proc');
const { num } = require('./lib/report');
const { registerUsers } = require('./lib/seed');

const USAGE = `usage: node bench/metrics-overhead.js [--duration SECONDS] [--rounds N]

  --duration N   measured seconds per side and round (default 3), after a 1 s warm-up
  --rounds N     ABBA rounds (default 3: off, on, on, off, then again); the median is reported
  --scrape-every S  scrape the metrics-on process every S seconds while it is loaded (default
                 1, as a Prometheus with scrape_interval: 1s; 0: never)
  --control      the same, with metrics off in both processes (an A/A run): how far apart two
                 identical processes measure on this machine right now

DATABASE_URL set: both processes share a fresh database latch_bench_<random> on that server.
Unset: each uses an embedded database of its own (GET /auth/me reads no database).`;

const MAX_LOSS = 0.05;
const CONNECTIONS = 50;
const log = (message) => console.log(message);

function parseArgs(argv) {
  const options = { duration: 3, rounds: 3, control: false, scrapeEvery: 1 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    const value = () => Number(inline ?? argv[++i]);
    if (flag === '--duration') options.duration = value();
    else if (flag === '--rounds') options.rounds = value();
    else if (flag === '--control') options.control = true;
    else if (flag === '--scrape-every') options.scrapeEvery = value();
    else if (flag === '--help' || flag === '-h') options.help = true;
    else throw new Error(`unknown option ${argv[i]}\n\n${USAGE}`);
  }
  if (!(options.duration > 0 && options.duration <= 60)) throw new Error('--duration: 0 to 60 s');
  if (!(options.scrapeEvery >= 0)) throw new Error('--scrape-every: seconds, 0 or more');
  if (!(Number.isInteger(options.rounds) && options.rounds >= 1 && options.rounds <= 10)) {
    throw new Error('--rounds: a whole number from 1 to 10');
  }
  return options;
}

/** GET /metrics every `seconds` while a measured window lasts: a scraper's share of the cost. */
function scrapeEvery(seconds, metricsPort) {
  let scrapes = 0;
  let failures = 0;
  const timer = setInterval(() => {
    const req = http.get(
      { host: '127.0.0.1', port: metricsPort, path: '/metrics', agent: false },
      (res) => {
        if (res.statusCode === 200) scrapes++;
        else failures++;
        res.resume();
      },
    );
    req.on('error', () => failures++);
  }, seconds * 1000);
  return () => {
    clearInterval(timer);
    return { scrapes, failures };
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) return log(USAGE);
  installSignalHandlers();
  const startedAt = new Date();
  const serverUrl = process.env.DATABASE_URL;
  const keys = createKeysDir();
  onCleanup('remove JWT_KEYS_DIR', () => rmSync(keys.dir, { recursive: true, force: true }));
  let databaseUrl;
  if (serverUrl) {
    const db = await createBenchDatabase(serverUrl);
    onCleanup(`drop database ${db.name}`, db.drop);
    databaseUrl = db.url;
    log(`database ${db.name} on ${redactUrl(serverUrl)}`);
  }

  /** One Latch process; `metricsPort` turns its metrics on. */
  async function start(side, metricsPort) {
    const dataDir = databaseUrl ? undefined : mkdtempSync(join(os.tmpdir(), 'latch-bench-data-'));
    if (dataDir) onCleanup(`remove ${side} DATA_DIR`, () => rmSync(dataDir, { recursive: true }));
    const port = await freePort();
    const env = metricsPort ? { METRICS_PORT: String(metricsPort) } : {};
    const latch = await startLatch({
      port,
      keysDir: keys.dir,
      databaseUrl,
      dataDir,
      env,
      onCleanup,
    });
    const [user] = (await registerUsers(port, 1, `${side}-${randomBytes(3).toString('hex')}`))
      .users;
    return {
      side,
      latch,
      port,
      metricsPort,
      headers: { authorization: `Bearer ${user.accessToken}` },
    };
  }

  const off = await start('off');
  const on = await start('on', options.control ? undefined : await freePort());
  log(
    `GET /auth/me, ${CONNECTIONS} connections, ${options.duration} s per window (+1 s warm-up), ` +
      `${options.rounds} ABBA rounds; metrics off: pid ${off.latch.pid}, on: pid ${on.latch.pid} ` +
      (options.control
        ? '(control: metrics off in both)'
        : `(METRICS_PORT ${on.metricsPort}, ` +
          (options.scrapeEvery > 0 ? `scraped every ${options.scrapeEvery} s)` : 'not scraped)')),
  );

  const windows = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const instance of [off, on, on, off]) {
      const stopScraping =
        instance.metricsPort && options.scrapeEvery > 0
          ? scrapeEvery(options.scrapeEvery, instance.metricsPort)
          : null;
      const figures = await measure({
        port: instance.port,
        serverPid: instance.latch.pid,
        connections: CONNECTIONS,
        duration: options.duration,
        warmup: 1,
        request: { path: '/auth/me', headers: instance.headers },
      });
      const scraped = stopScraping?.();
      windows.push({ round: round + 1, side: instance.side, ...figures, scraped });
      log(
        `  round ${round + 1} ${instance.side.padEnd(3)}: ${num(figures.rps)} req/s, ` +
          `p50 ${num(figures.p50, 1)} ms, p99 ${num(figures.p99, 1)} ms, ` +
          `${num(figures.cpu?.serverMsPerRequest, 3)} ms CPU/request, ` +
          `${figures.errors + figures.non2xx} errors/non-2xx` +
          (scraped ? `, ${scraped.scrapes} scrapes` : ''),
      );
    }
  }

  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const summary = (side) => {
    const mine = windows.filter((w) => w.side === side);
    return {
      rps: mean(mine.map((w) => w.rps)),
      p99: mean(mine.map((w) => w.p99)),
      cpuMsPerRequest: mean(mine.map((w) => w.cpu?.serverMsPerRequest ?? NaN)),
      failed: mine.reduce((n, w) => n + w.errors + w.non2xx, 0),
    };
  };
  const offSummary = summary('off');
  const onSummary = summary('on');
  // One ratio per ABBA round (its two "on" windows against its two "off" ones): the machine
  // is shared, so a round is compared within itself and the median of rounds is reported.
  const rounds = Array.from({ length: options.rounds }, (_, r) => {
    const inRound = windows.filter((w) => w.round === r + 1);
    const of = (side, pick) => mean(inRound.filter((w) => w.side === side).map(pick));
    return {
      rpsRatio: of('on', (w) => w.rps) / of('off', (w) => w.rps),
      cpuRatio:
        of('on', (w) => w.cpu?.serverMsPerRequest ?? NaN) /
        of('off', (w) => w.cpu?.serverMsPerRequest ?? NaN),
    };
  });
  const ratio = median(rounds.map((r) => r.rpsRatio));
  const cpuRatio = median(rounds.map((r) => r.cpuRatio));
  const met = ratio >= 1 - MAX_LOSS && onSummary.failed === 0 && offSummary.failed === 0;

  log('');
  log(
    `metrics off: ${num(offSummary.rps)} req/s, ${num(offSummary.cpuMsPerRequest, 3)} ms CPU/request`,
  );
  log(
    `metrics on:  ${num(onSummary.rps)} req/s, ${num(onSummary.cpuMsPerRequest, 3)} ms CPU/request`,
  );
  log(
    `on/off, median of ${options.rounds} rounds: ${num(ratio, 3)} of the requests per second ` +
      `(rounds ${rounds.map((r) => num(r.rpsRatio, 3)).join(', ')}); ${num(cpuRatio, 3)} of ` +
      `Latch's CPU per request (rounds ${rounds.map((r) => num(r.cpuRatio, 3)).join(', ')})`,
  );
  log(
    `target: at least ${1 - MAX_LOSS} of the requests per second with metrics on: ${met ? 'met' : 'NOT MET'}`,
  );

  await on.latch.stop();
  await off.latch.stop();
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    options,
    connections: CONNECTIONS,
    database: serverUrl ? 'postgresql' : 'embedded',
    machine: { ...describeMachine(), loadAverageAtEnd: os.loadavg() },
    windows,
    off: offSummary,
    on: onSummary,
    rounds,
    ratio,
    cpuRatio,
    target: { minRatio: 1 - MAX_LOSS, met },
  };
  const dir = join(__dirname, 'results', 'metrics');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`\nresults: ${file}`);
  if (!met) process.exitCode = 1;
}

main()
  .catch((error) => {
    if (wasInterrupted()) return;
    console.error(`\nbenchmark failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(() => runCleanup());

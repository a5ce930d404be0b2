// How the soak test drives its mix: flat out for the calibration (a fixed number of workers,
// each starting its next operation when the last one ends), then at a fixed arrival rate
// (open loop: operations start on the clock, whether or not earlier ones have finished).
// A tally counts every outcome, per 10-s window and for the whole phase.

const { performance } = require('node:perf_hooks');
const { runOperation } = require('./soak-mix');
const { sleep } = require('./proc');
const { summary } = require('./stats');

/** Counts of one window (or of a whole phase). */
function emptyCounts() {
  return {
    started: 0,
    completed: 0,
    skipped: 0, // no free session for it, or the in-flight cap was reached
    byOperation: {},
    statusCodes: {},
    serverErrors: 0, // 5xx answers
    networkErrors: 0, // no answer: connection error or timeout
    refreshFailures: 0, // a refresh that did not answer 200 with the same session
    problems: {}, // "<operation> <status> <code>": count of every unexpected answer
    latenciesMs: [],
  };
}

function createTally() {
  let window = emptyCounts();
  let phase = emptyCounts();
  const byOperationLatencies = {};
  const both = (fn) => {
    fn(window);
    fn(phase);
  };
  return {
    started: () => both((c) => c.started++),
    skipped: () => both((c) => c.skipped++),
    /** `record` for runOperation. */
    record(name, status, latencyMs, problem) {
      both((c) => {
        c.completed++;
        c.byOperation[name] = (c.byOperation[name] ?? 0) + 1;
        const code = status ?? 'network';
        c.statusCodes[code] = (c.statusCodes[code] ?? 0) + 1;
        if (status === null) c.networkErrors++;
        if (status >= 500) c.serverErrors++;
        if (name === 'refresh' && problem) c.refreshFailures++;
        if (problem) c.problems[`${name} ${problem}`] = (c.problems[`${name} ${problem}`] ?? 0) + 1;
        if (status !== null) c.latenciesMs.push(latencyMs);
      });
      if (status !== null) (byOperationLatencies[name] ??= []).push(latencyMs);
    },
    /** The window so far, and a fresh one from now on. */
    takeWindow() {
      const taken = window;
      window = emptyCounts();
      return taken;
    },
    /** The whole phase, with latency percentiles per operation; starts a new phase. */
    takePhase(seconds) {
      const taken = phase;
      phase = emptyCounts();
      const latency = summary({
        completed: taken.completed,
        seconds,
        latenciesMs: taken.latenciesMs,
      });
      const operations = {};
      for (const [name, latencies] of Object.entries(byOperationLatencies)) {
        const figures = summary({ completed: latencies.length, seconds, latenciesMs: latencies });
        operations[name] = {
          count: taken.byOperation[name] ?? 0,
          p50: figures.p50,
          p99: figures.p99,
          max: figures.max,
        };
        delete byOperationLatencies[name];
      }
      delete taken.latenciesMs;
      return {
        ...taken,
        rps: latency.rps,
        p50: latency.p50,
        p99: latency.p99,
        max: latency.max,
        operations,
      };
    },
  };
}

async function runCounted(population, client, tally) {
  tally.started();
  const outcome = await runOperation(population, client, tally.record);
  if (outcome === 'skipped') tally.skipped();
}

/** `workers` loops, each running one operation after another, for `seconds`. */
async function runFlatOut({ population, client, tally, workers, seconds }) {
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) await runCounted(population, client, tally);
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

/**
 * Starts `rate` operations per second for `seconds` (on the clock, every TICK_MS), never more
 * than `maxInFlight` at once (a start over the cap is skipped and counted). Resolves when the
 * last one has finished.
 */
async function runAtRate({ population, client, tally, rate, seconds, maxInFlight }) {
  const TICK_MS = 10;
  const startedAt = performance.now();
  const deadline = startedAt + seconds * 1000;
  const inFlight = new Set();
  let launched = 0;
  while (performance.now() < deadline) {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * rate);
    while (launched < due) {
      launched++;
      if (inFlight.size >= maxInFlight) {
        tally.started();
        tally.skipped();
        continue;
      }
      const running = runCounted(population, client, tally).finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    await sleep(TICK_MS);
  }
  await Promise.all(inFlight);
}

module.exports = { createTally, runFlatOut, runAtRate };

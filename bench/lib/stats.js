// One shape for every measurement, whichever tool produced it.

/**
 * A scenario's figures: throughput over the measured window, latency percentiles (ms) of
 * the successful requests, errors (connection errors and timeouts) and non-2xx answers.
 */
function summary({ completed, seconds, latenciesMs, errors = 0, non2xx = 0, statusCodes = {} }) {
  const sorted = Float64Array.from(latenciesMs).sort();
  const at = (q) => (sorted.length === 0 ? null : sorted[Math.ceil(q * sorted.length) - 1]);
  const mean = sorted.length === 0 ? null : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    requests: completed,
    seconds,
    rps: seconds > 0 ? completed / seconds : 0,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.length === 0 ? null : sorted[sorted.length - 1],
    mean,
    errors,
    non2xx,
    statusCodes,
  };
}

/** The same shape from an autocannon result. */
function fromAutocannon(result) {
  const statusCodes = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = count;
  }
  return {
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.duration > 0 ? result.requests.total / result.duration : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    mean: result.latency.mean,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}

/** Counts outcomes and latencies of a self-driven load until `deadline` (performance.now()). */
function createRecorder(deadline) {
  const latenciesMs = [];
  const statusCodes = {};
  let completed = 0;
  let errors = 0;
  let non2xx = 0;
  return {
    response(status, latencyMs, at) {
      if (at > deadline) return; // finished after the window: not counted, like autocannon
      completed++;
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (status >= 200 && status < 300) latenciesMs.push(latencyMs);
      else non2xx++;
    },
    error(at) {
      if (at <= deadline) errors++;
    },
    summary(seconds) {
      return summary({ completed, seconds, latenciesMs, errors, non2xx, statusCodes });
    },
  };
}

module.exports = { summary, fromAutocannon, createRecorder };

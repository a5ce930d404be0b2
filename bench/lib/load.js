// HTTP load with autocannon's programmatic API, always on 127.0.0.1, with a warm-up window
// that is not measured.

const autocannon = require('autocannon');
const { cpuProbe } = require('./cpu');
const { sleep } = require('./proc');
const { fromAutocannon } = require('./stats');

/**
 * autocannon stops with one request in flight per connection and does not wait for them;
 * the server still works them off. Waiting about connections / throughput seconds keeps
 * that backlog (long for logins: each waits for argon2) out of the next measured window.
 */
function drain(result, connections) {
  const rps = result.requests.total / Math.max(result.duration, 0.001);
  return sleep(Math.min(5000, (1000 * connections) / Math.max(rps, 1) + 100));
}

function run(options) {
  return new Promise((resolve, reject) => {
    autocannon({ timeout: 10, ...options }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

/**
 * Runs `warmup` seconds, then `duration` seconds of load; returns the figures of the second,
 * with where the CPU went meanwhile (`serverPid` is the process under test).
 * `request` is { method, path, headers, body } or { requests: [...] } for dynamic bodies.
 */
async function measure({ port, serverPid, connections, duration, warmup, request }) {
  const options = {
    url: `http://127.0.0.1:${port}`,
    connections,
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
    requests: request.requests,
  };
  if (request.path) options.url += request.path;
  if (warmup > 0) await drain(await run({ ...options, duration: warmup }), connections);
  const probe = cpuProbe(serverPid);
  probe.start();
  const result = await run({ ...options, duration });
  const cpu = probe.stop(result.requests.total);
  await drain(result, connections);
  return { ...fromAutocannon(result), cpu };
}

module.exports = { measure };

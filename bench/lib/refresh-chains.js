// Chained refresh load. Each connection owns one session and always presents the refresh
// token that its own previous response returned, as a real client does; a spent token is
// never sent twice (except as a retry after a network error, which the grace window allows).

const { performance } = require('node:perf_hooks');
const { cpuProbe } = require('./cpu');
const { createClient } = require('./http-client');
const { createRecorder } = require('./stats');

const MAX_RETRIES = 3;

/**
 * One link of a chain: presents `chain.refreshToken` and, on 200, keeps the tokens the answer
 * returned (`chain.refreshToken`, `chain.accessToken`). A network error or timeout is retried
 * with the same token, up to MAX_RETRIES times; `onError(error)` hears of each one. Resolves
 * with the last response, or with { status: null, error } when every attempt failed.
 */
async function refreshOnce(chain, client, { onError = () => undefined } = {}) {
  let lastError;
  for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
    let response;
    try {
      response = await client.request('POST', '/auth/refresh', {
        body: { refreshToken: chain.refreshToken },
      });
    } catch (error) {
      onError(error);
      lastError = error;
      continue; // the same token again: a retry inside the grace window gets the same successor
    }
    if (response.status === 200 && response.body?.refreshToken) {
      chain.refreshToken = response.body.refreshToken;
      chain.accessToken = response.body.accessToken;
    }
    return response;
  }
  return { status: null, error: lastError };
}

async function driveChain(chain, client, deadline, recorder) {
  while (!chain.broken && performance.now() < deadline) {
    const sent = performance.now();
    const response = await refreshOnce(chain, client, {
      onError: () => recorder.error(performance.now()),
    });
    if (response.status === null) {
      chain.broken = `network: ${response.error.message}`;
      break;
    }
    const done = performance.now();
    recorder.response(response.status, done - sent, done);
    if (response.status !== 200 || !response.body?.refreshToken) {
      chain.broken = `${response.status} ${response.body?.code ?? ''}`.trim();
    }
  }
}

async function driveChains(chains, clients, seconds) {
  const deadline = performance.now() + seconds * 1000;
  const recorder = createRecorder(deadline);
  await Promise.all(chains.map((chain, i) => driveChain(chain, clients[i], deadline, recorder)));
  return recorder.summary(seconds);
}

/**
 * `chains` is [{ refreshToken }], one per connection; tokens are updated in place so the
 * next scenario continues the same sessions. A chain that gets a non-2xx answer stops
 * (its `broken` says why) and is counted.
 */
async function measureChains({ port, serverPid, chains, duration, warmup }) {
  const clients = chains.map(() => createClient(port, { maxSockets: 1 }));
  try {
    if (warmup > 0) await driveChains(chains, clients, warmup);
    const probe = cpuProbe(serverPid);
    probe.start();
    const result = await driveChains(chains, clients, duration);
    result.cpu = probe.stop(result.requests);
    const broken = chains.filter((chain) => chain.broken);
    return {
      ...result,
      brokenChains: broken.length,
      brokenReasons: [...new Set(broken.map((chain) => chain.broken))],
    };
  } finally {
    for (const client of clients) client.close();
  }
}

module.exports = { measureChains, refreshOnce };

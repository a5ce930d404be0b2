// Chained refresh load. Each connection owns one session and always presents the refresh
// token that its own previous response returned, as a real client does; a spent token is
// never sent twice (except as a retry after a network error, which the grace window allows).

const { performance } = require('node:perf_hooks');
const { cpuProbe } = require('./cpu');
const { createClient } = require('./http-client');
const { createRecorder } = require('./stats');

const MAX_RETRIES = 3;

async function driveChain(chain, client, deadline, recorder) {
  let retries = 0;
  while (!chain.broken && performance.now() < deadline) {
    const sent = performance.now();
    let response;
    try {
      response = await client.request('POST', '/auth/refresh', {
        body: { refreshToken: chain.refreshToken },
      });
    } catch (error) {
      recorder.error(performance.now());
      if (++retries > MAX_RETRIES) chain.broken = `network: ${error.message}`;
      continue; // the same token again: a retry inside the grace window gets the same successor
    }
    const done = performance.now();
    recorder.response(response.status, done - sent, done);
    if (response.status === 200 && response.body?.refreshToken) {
      chain.refreshToken = response.body.refreshToken;
      retries = 0;
    } else {
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

module.exports = { measureChains };

// Baseline: argon2id hashes per second with Latch's parameters on this process's default
// libuv thread pool, with twice as many hashes in flight as the pool has threads.

const argon2 = require('argon2');
const { performance } = require('node:perf_hooks');
const { cpuProbe } = require('../cpu');
const { createRecorder } = require('../stats');

/** Latch's defaults (src/config/namespaces.ts: AUTH_ARGON2_*). */
const PARAMETERS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

async function drive(concurrency, seconds) {
  const deadline = performance.now() + seconds * 1000;
  const recorder = createRecorder(deadline);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await argon2.hash('correct horse battery staple', { type: argon2.argon2id, ...PARAMETERS });
        const done = performance.now();
        recorder.response(200, done - started, done);
      }
    }),
  );
  return recorder.summary(seconds);
}

async function measureArgon2({ duration, warmup }) {
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const concurrency = poolSize * 2;
  if (warmup > 0) await drive(concurrency, warmup);
  const probe = cpuProbe(null);
  probe.start();
  const result = await drive(concurrency, duration);
  result.cpu = probe.stop(result.requests);
  return {
    ...result,
    threadPoolSize: poolSize,
    concurrency,
    parameters: { type: 'argon2id', ...PARAMETERS },
  };
}

module.exports = { measureArgon2, ARGON2_PARAMETERS: PARAMETERS };

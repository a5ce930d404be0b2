// Bare-Fastify baselines: the same load as GET /auth/me against a Fastify server with no
// Nest, first with no work, then verifying the same ES256 token.

const { fork } = require('node:child_process');
const { join } = require('node:path');
const { onCleanup } = require('../cleanup');
const { measure } = require('../load');
const { captureOutput, stopChild } = require('../proc');

function startServer(publicKeyPem) {
  const output = [];
  const child = fork(join(__dirname, 'fastify-server.js'), [], {
    env: {
      ...process.env,
      BENCH_PUBLIC_KEY_PEM: publicKeyPem,
      BENCH_JWT_ISSUER: 'latch',
      BENCH_JWT_AUDIENCE: 'latch-api',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  captureOutput(child.stdout, output);
  captureOutput(child.stderr, output);
  const stop = onCleanup('baseline Fastify server', () => stopChild(child, 5000));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('no port within 10 s')), 10_000);
    const fail = (error) => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`baseline Fastify server: ${error.message}\n${output.join('\n')}`));
    };
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve({ child, port: message.port, stop });
    });
    child.once('exit', (code) => fail(new Error(`exited with code ${code}`)));
  });
}

/** Returns { bare, verified } figures; `accessToken` is a token Latch issued. */
async function measureFastifyBaselines({
  publicKeyPem,
  accessToken,
  connections,
  duration,
  warmup,
}) {
  const server = await startServer(publicKeyPem);
  try {
    const headers = { authorization: `Bearer ${accessToken}` };
    const bare = await measure({
      port: server.port,
      serverPid: server.child.pid,
      connections,
      duration,
      warmup,
      request: { path: '/me', headers },
    });
    const verified = await measure({
      port: server.port,
      serverPid: server.child.pid,
      connections,
      duration,
      warmup,
      request: { path: '/me/verified', headers },
    });
    return { bare, verified };
  } finally {
    await server.stop();
  }
}

module.exports = { measureFastifyBaselines };

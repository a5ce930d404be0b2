// Baseline server (child process): bare Fastify, no Nest. GET /me answers with no check;
// GET /me/verified first verifies the ES256 access token as Latch must (jsonwebtoken with a
// KeyObject, the same algorithm, issuer, audience and typ). Reports its port over IPC and
// exits when the parent goes away.

const { createPublicKey } = require('node:crypto');
const { dirname } = require('node:path');
const jwt = require('jsonwebtoken');

// Fastify as Nest's Fastify adapter installed it.
const fastifyPath = require.resolve('fastify', {
  paths: [dirname(require.resolve('@nestjs/platform-fastify/package.json'))],
});
const Fastify = require(fastifyPath);

const publicKey = createPublicKey(process.env.BENCH_PUBLIC_KEY_PEM);
const verifyOptions = {
  algorithms: ['ES256'],
  issuer: process.env.BENCH_JWT_ISSUER,
  audience: process.env.BENCH_JWT_AUDIENCE,
  clockTolerance: 30,
  complete: true,
};

const app = Fastify({ logger: false });

app.get('/me', async () => ({ ok: true }));

app.get('/me/verified', async (request, reply) => {
  const match = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '');
  try {
    if (!match) throw new Error('missing token');
    const { header, payload } = jwt.verify(match[1], publicKey, verifyOptions);
    if (header.typ !== 'at+jwt') throw new Error('wrong typ');
    return {
      userId: payload.sub,
      sessionId: payload.sid,
      roles: payload.roles,
      expiresAt: new Date(payload.exp * 1000).toISOString(),
    };
  } catch {
    return reply.code(401).send({ status: 401, code: 'invalid_token' });
  }
});

app.listen({ host: '127.0.0.1', port: 0 }).then(
  () => process.send({ port: app.server.address().port }),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
process.on('disconnect', () => process.exit(0));

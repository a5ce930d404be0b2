import { exportJWK, generateKeyPair, type CryptoKey, type JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A signing key as Latch keeps one: a kid, the private half, the public JWK. */
export interface TestKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function makeKey(alg: 'ES256' | 'RS256' = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export const ISSUER = 'https://latch.test';
export const AUDIENCE = 'orders-api';

/** Claims as Latch signs them, with overrides; `exp` in seconds from now. */
export async function sign(
  key: TestKey,
  { expIn = 900, typ = 'at+jwt', kid = key.kid, ...claims }: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: randomUUID(),
    sid: randomUUID(),
    jti: randomUUID(),
    roles: ['user'],
    amr: ['pwd'],
    iat: now,
    exp: now + (expIn as number),
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, typ: typ as string, kid: kid as string })
    .sign(key.privateKey);
}

/** A JWKS endpoint on loopback whose keys a spec changes, counting the requests it serves. */
export class JwksServer {
  keys: JWK[] = [];
  requests = 0;
  /** While true, answers 503. */
  failing = false;

  private readonly server: Server = createServer((_request, response: ServerResponse) => {
    this.requests++;
    if (this.failing) return void response.writeHead(503).end();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: this.keys }));
  });

  static async start(keys: TestKey[] = []): Promise<JwksServer> {
    const self = new JwksServer();
    self.keys = keys.map((key) => key.jwk);
    self.server.listen(0, '127.0.0.1');
    await once(self.server, 'listening');
    return self;
  }

  get url(): URL {
    return new URL(
      `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`,
    );
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

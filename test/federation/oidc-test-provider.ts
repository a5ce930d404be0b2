import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import Provider from 'oidc-provider';

/** An account at the test's provider; the test changes its claims between sign-ins. */
export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** How the next ID tokens are bent before they leave the token endpoint. */
export interface IdTokenTamper {
  claims?: (claims: JWTPayload) => JWTPayload;
  /** Sign with a key the provider's JWKS does not hold (kid `unknown-key`). */
  unknownKey?: boolean;
  /** Sign with the key rotate() published (kid `rotated-key`). */
  rotatedKey?: boolean;
}

export interface OidcTestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** Every request the provider received, by path and query (the authorization request). */
  requests: URL[];
  /** The parameters of every successful token request (code_verifier, client_id, …). */
  tokenRequests: Record<string, unknown>[];
  tamper: IdTokenTamper | undefined;
  /**
   * Rotates the signing key as a provider does: its JWKS lists a new key beside the old one
   * and ID tokens are signed with the new one (kid `rotated-key`).
   */
  rotate(): void;
  close(): Promise<void>;
}

/**
 * panva's oidc-provider (a certified OpenID Provider) on 127.0.0.1 with one confidential
 * client, PKCE required, its development login and consent pages, and accounts the test
 * controls. The token endpoint's answer passes through a hook that can re-sign the ID token
 * with other claims or an unknown key, so the relying party's checks meet real bad tokens.
 */
export async function startOidcTestProvider(options: {
  redirectUris: string[];
  clientId?: string;
  clientSecret?: string;
}): Promise<OidcTestProvider> {
  const clientId = options.clientId ?? 'latch-test';
  const clientSecret = options.clientSecret ?? `s3cret-${Math.random().toString(36).slice(2)}`;
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const signingJwk: JWK = {
    ...(await exportJWK(privateKey)),
    kid: 'test-key',
    alg: 'RS256',
    use: 'sig',
  };
  const stranger = await generateKeyPair('RS256');
  const rotated = await generateKeyPair('RS256', { extractable: true });
  const publicSigningJwk: JWK = {
    ...(await exportJWK(publicKey)),
    kid: 'test-key',
    alg: 'RS256',
    use: 'sig',
  };
  const rotatedJwk: JWK = {
    ...(await exportJWK(rotated.publicKey)),
    kid: 'rotated-key',
    alg: 'RS256',
    use: 'sig',
  };
  let keysRotated = false;
  const accounts = new Map<string, TestAccount>();

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [signingJwk] },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['a test cookie key, not a secret of anything real'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ ...account }) };
    },
  });
  // Quiet: the provider reports expected failures (bad clients, aborted logins) as errors.
  provider.on('server_error', () => undefined);
  const callback = provider.callback();
  const requests: URL[] = [];
  const tokenRequests: Record<string, unknown>[] = [];
  provider.on('grant.success', (ctx: { oidc: { params?: Record<string, unknown> } }) => {
    tokenRequests.push({ ...ctx.oidc.params });
  });
  const state: OidcTestProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    requests,
    tokenRequests,
    tamper: undefined,
    rotate: () => {
      keysRotated = true;
      state.tamper = { rotatedKey: true };
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };

  handle = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    requests.push(url);
    if (url.pathname === '/jwks' && keysRotated) {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify({ keys: [publicSigningJwk, rotatedJwk] }));
      return;
    }
    if (url.pathname === '/token') {
      interceptToken(req, res);
      return;
    }
    callback(req, res);
  };

  /** Lets the provider answer, re-signing its ID token when the test asks for it. */
  function interceptToken(req: IncomingMessage, res: ServerResponse) {
    const tamper = state.tamper;
    if (tamper) {
      const end = res.end.bind(res) as (body?: unknown) => ServerResponse;
      (res as { end: unknown }).end = (body?: Buffer | string) => {
        void bend(body, tamper).then((bent) => {
          res.setHeader('content-length', Buffer.byteLength(bent));
          end(bent);
        });
        return res;
      };
    }
    callback(req, res);
  }

  async function bend(body: Buffer | string | undefined, tamper: IdTokenTamper): Promise<string> {
    const text = body === undefined ? '' : body.toString();
    const json = JSON.parse(text) as { id_token?: string };
    if (!json.id_token) return text;
    const claims = tamper.claims
      ? tamper.claims(decodeJwt(json.id_token))
      : decodeJwt(json.id_token);
    const [key, kid] = tamper.unknownKey
      ? [stranger.privateKey, 'unknown-key']
      : tamper.rotatedKey
        ? [rotated.privateKey, 'rotated-key']
        : [privateKey, 'test-key'];
    json.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
    return JSON.stringify(json);
  }

  return state;
}

import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GithubUser {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

interface PendingCode {
  login: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
}

/**
 * GitHub's OAuth app endpoints and the two REST endpoints Latch reads, answering as GitHub
 * documents them (docs.github.com: "Authorizing OAuth apps", "Users", "Emails"): the
 * authorize page (here it approves at once, as a signed-in user who already authorised the
 * app would see), the token endpoint (form in, JSON out when asked, errors as 200 with an
 * `error` member, PKCE S256 checked), `GET /user` and `GET /user/emails` with the token.
 */
export async function startGithubStandIn(clientId: string, clientSecret: string) {
  const users = new Map<string, GithubUser>();
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, string>();
  const authorizeRequests: URL[] = [];
  const state = {
    /** The next authorize request is refused as a user who clicked "Cancel". */
    deny: false,
    /** The next token request answers an error as GitHub does (HTTP 200). */
    failToken: false,
    users,
    authorizeRequests,
    url: '',
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const body = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString());
  };
  const bearer = (req: IncomingMessage) => {
    const match = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '');
    return match ? tokens.get(match[1]) : undefined;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', state.url);
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        authorizeRequests.push(url);
        const redirect = new URL(url.searchParams.get('redirect_uri')!);
        redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
        if (state.deny) {
          state.deny = false;
          redirect.searchParams.set('error', 'access_denied');
          redirect.searchParams.set(
            'error_description',
            'The user has denied your application access.',
          );
        } else {
          const code = randomBytes(10).toString('hex');
          codes.set(code, {
            login: url.searchParams.get('login')!,
            clientId: url.searchParams.get('client_id')!,
            redirectUri: url.searchParams.get('redirect_uri')!,
            codeChallenge: url.searchParams.get('code_challenge')!,
          });
          redirect.searchParams.set('code', code);
        }
        res.writeHead(302, { location: redirect.href });
        res.end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        const form = await body(req);
        const pending = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const ok =
          !state.failToken &&
          pending !== undefined &&
          form.get('client_id') === clientId &&
          form.get('client_secret') === clientSecret &&
          pending.clientId === clientId &&
          form.get('redirect_uri') === pending.redirectUri &&
          createHash('sha256').update(verifier).digest('base64url') === pending.codeChallenge;
        state.failToken = false;
        if (!ok) {
          json(res, 200, {
            error: 'bad_verification_code',
            error_description: 'The code passed is incorrect or expired.',
            error_uri:
              'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
          });
          return;
        }
        const token = `gho_${randomBytes(18).toString('hex')}`;
        tokens.set(token, pending.login);
        json(res, 200, {
          access_token: token,
          token_type: 'bearer',
          scope: 'read:user,user:email',
        });
        return;
      }
      const login = bearer(req);
      const user = login ? users.get(login) : undefined;
      if (req.method === 'GET' && (url.pathname === '/user' || url.pathname === '/user/emails')) {
        if (!user) {
          json(res, 401, {
            message: 'Bad credentials',
            documentation_url: 'https://docs.github.com/rest',
          });
          return;
        }
        if (url.pathname === '/user') {
          json(res, 200, {
            login: user.login,
            id: user.id,
            name: user.name,
            email: null,
            type: 'User',
          });
        } else {
          json(
            res,
            200,
            user.emails.map((entry) => ({
              ...entry,
              visibility: entry.primary ? 'private' : null,
            })),
          );
        }
        return;
      }
      json(res, 404, { message: 'Not Found' });
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
